import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The bundle is committed inside the Python package, so `pip install` needs no Node.
export default defineConfig({
  plugins: [react()],
  base: "./",
  build: {
    outDir: "../lineage_core/server/static",
    emptyOutDir: true,
    sourcemap: false,
    assetsDir: "assets",
    chunkSizeWarningLimit: 800,
  },
});
