import { useEffect, useId, useRef, useState } from "react";

import { isAbort, type Api } from "../lib/api.ts";
import type { Asset } from "../lib/types.ts";

const RESULTS = 20;
const DEBOUNCE_MS = 150;

/** A combobox over the assets route: type, arrow to a result, Enter to open it. */
export function SearchBox({
  api,
  onOpen,
  onError,
  autoFocus = false,
}: {
  api: Api;
  onOpen: (asset: Asset) => void;
  onError: (error: unknown) => void;
  autoFocus?: boolean;
}) {
  const [text, setText] = useState("");
  const [results, setResults] = useState<Asset[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [searched, setSearched] = useState<string | null>(null);
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);
  const onErrorRef = useRef(onError);
  onErrorRef.current = onError;

  useEffect(() => {
    const search = text.trim();
    if (!search) {
      setResults([]);
      setSearched(null);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api
        .assets(search, RESULTS, controller.signal)
        .then((answer) => {
          setResults(answer.assets);
          setSearched(search);
          setActive(answer.assets.length ? 0 : -1);
        })
        .catch((error) => {
          if (!isAbort(error)) onErrorRef.current(error);
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, text]);

  const choose = (asset: Asset) => {
    setOpen(false);
    setText("");
    onOpen(asset);
  };

  const expanded = open && text.trim() !== "" && searched !== null;
  return (
    <div className="search">
      <label className="visually-hidden" htmlFor={`${listId}-input`}>
        Search assets
      </label>
      <input
        id={`${listId}-input`}
        ref={input}
        type="search"
        role="combobox"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
        placeholder="Search tables, e.g. orders"
        autoComplete="off"
        spellCheck={false}
        autoFocus={autoFocus}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(event) => {
          if (event.key === "ArrowDown") {
            event.preventDefault();
            setOpen(true);
            setActive((i) => Math.min(i + 1, results.length - 1));
          } else if (event.key === "ArrowUp") {
            event.preventDefault();
            setActive((i) => Math.max(i - 1, 0));
          } else if (event.key === "Enter") {
            const asset = results[active];
            if (expanded && asset) {
              event.preventDefault();
              choose(asset);
            }
          } else if (event.key === "Escape") {
            setOpen(false);
          }
        }}
      />
      {expanded && (
        <ul id={listId} role="listbox" className="search__results" aria-label="Matching assets">
          {results.length === 0 && (
            <li className="search__empty" role="option" aria-disabled="true" aria-selected="false">
              No asset matches “{searched}”
            </li>
          )}
          {results.map((asset, index) => (
            <li
              key={asset.id}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? "is-active" : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                choose(asset);
              }}
              onMouseEnter={() => setActive(index)}
            >
              <span className="search__name">{asset.qualifiedName}</span>
              <span className="search__type">{asset.type}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
