import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// Served by the FhirKetamine server at /app/ (src/FhirKetamine.Server/WebApp/ProgressApp.cs).
export default defineConfig({
  base: "/app/",
  resolve: { alias: { "isomorphic-webcrypto": fileURLToPath(new URL("./src/webcrypto.js", import.meta.url)) } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` next to a running server (dotnet run): the FHIR and SMART routes are proxied to it.
    proxy: { "/fhir": "http://localhost:5080", "/connect": "http://localhost:5080", "/.well-known": "http://localhost:5080" },
  },
});
