#!/usr/bin/env bash
# CI check: the committed FHIR package and generated examples are exactly what the FSH compiles to.
# Runs build.sh (into a throwaway FHIR cache HOME unless FHIR_CACHE_HOME is set), then fails if
# anything under profiles/package or examples/{valid,journey} differs from the commit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${FHIR_CACHE_HOME:-}" ]]; then
  FHIR_CACHE_HOME="$(mktemp -d)"
  export FHIR_CACHE_HOME
  trap 'rm -rf "$FHIR_CACHE_HOME"' EXIT
fi
"$here/build.sh"
cd "$here/.."
git add -N -- profiles/package examples/valid examples/journey 2>/dev/null || true
if ! git diff --exit-code --stat -- profiles/package examples/valid examples/journey; then
  echo "profiles/package or examples/ differ from the FSH sources: run profiles/build.sh and commit the result." >&2
  exit 1
fi
echo "profiles/package matches the FSH sources."
