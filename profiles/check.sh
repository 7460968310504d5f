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
paths=(profiles/package examples/valid examples/journey)
untracked="$(git ls-files --others --exclude-standard -- "${paths[@]}")"
if [[ -n "$untracked" ]]; then
  echo "Generated files not in git:" >&2
  echo "$untracked" >&2
fi
if ! git diff --exit-code --stat -- "${paths[@]}" || [[ -n "$untracked" ]]; then
  echo "profiles/package or examples/ differ from the FSH sources: run profiles/build.sh and commit the result." >&2
  exit 1
fi
echo "profiles/package matches the FSH sources."
