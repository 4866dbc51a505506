import { useState } from "react";

/** Asked once per browser session when the server wants a token; again when one is refused. */
export function TokenPrompt({
  refused,
  tenant,
  onSubmit,
}: {
  refused: boolean;
  tenant: string | null;
  onSubmit: (token: string) => void;
}) {
  const [token, setToken] = useState("");
  return (
    <div className="modal-backdrop">
      <form
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="token-title"
        data-testid="token-prompt"
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) onSubmit(token.trim());
        }}
      >
        <h2 id="token-title">Sign in to the lineage explorer</h2>
        <p>
          This server needs an access token{tenant ? ` for tenant ${tenant}` : ""}. It is kept for this
          browser tab only.
        </p>
        {refused && (
          <p className="error" role="alert">
            That token was refused. Enter a valid token.
          </p>
        )}
        <label htmlFor="token-input">Access token</label>
        <input
          id="token-input"
          type="password"
          autoComplete="off"
          autoFocus
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <button type="submit" disabled={!token.trim()}>
          Sign in
        </button>
      </form>
    </div>
  );
}
