#!/usr/bin/env bash
# Rebuilds the FhirKetamine FHIR package (profiles/package/) and the generated examples
# (examples/valid/, examples/journey/) from the FSH in profiles/input/fsh/. Offline recipe of
# shared/IG-AUTHORING.md: the FHIR core package is converted from NuGet's Hl7.Fhir.Specification.Data.R4
# into a private SUSHI cache, SUSHI is pinned by package-lock.json, and no FHIR registry is contacted.
# Needs: the .NET SDK, node + npm. Env: FHIR_CACHE_HOME (default profiles/.cache/home) is the HOME that
# SUSHI sees (it reads $HOME/.fhir/packages; FHIR_HOME is not supported by SUSHI).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
cache_home="${FHIR_CACHE_HOME:-$here/.cache/home}"
mkdir -p "$cache_home"
cache_home="$(cd "$cache_home" && pwd)"

echo "== FHIR core cache (hl7.fhir.r4.core#4.0.1) in $cache_home/.fhir/packages"
dotnet build tools/FhirCoreCache/FhirCoreCache.csproj -c Release -nologo -v quiet -clp:NoSummary >/dev/null
dotnet tools/FhirCoreCache/bin/Release/net10.0/FhirCoreCache.dll "$cache_home/.fhir/packages"

echo "== SUSHI (pinned by package-lock.json)"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
rm -rf fsh-generated
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# FPL_REGISTRY points at a closed local port so the auto-dependency look-ups fail fast (3 warnings).
set +e
HOME="$cache_home" FPL_REGISTRY="http://127.0.0.1:9" ./node_modules/.bin/sushi build . --snapshot >"$log" 2>&1
status=$?
set -e
# Show SUSHI's errors and warnings with their File:/Line: continuation lines.
awk '/^(error|warn) /{show=1; print; next} /^  /{if (show) print; next} {show=0}' "$log"
summary="$(grep -m1 -E '[0-9]+ Errors? +[0-9]+ Warnings?' "$log" || true)"
echo "SUSHI: ${summary//|/}"
if [[ $status -ne 0 ]] || ! grep -qE '\| +.* 0 Errors ' "$log"; then
  echo "SUSHI failed (exit $status); full log:" >&2
  cat "$log" >&2
  exit 1
fi

echo "== Assemble package/ and examples/"
node tools/assemble-package.mjs

# A tarball too, for servers that load FHIR packages as .tgz (deterministic; not committed).
mkdir -p build
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$here" -cf - package \
  | gzip -n > "build/fhir-ketamine-$(node -p "require('./package/package.json').version").tgz"
echo "build/$(ls build)"
