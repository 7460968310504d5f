#!/usr/bin/env bash
# Profiles the server under one load scenario: dotnet-counters (runtime, Kestrel, thread pool) and a
# dotnet-trace CPU sample, while the bench drives it over loopback. Bounded in time; stops by itself.
#   bench/profile.sh create 16 20        # scenario, clients, seconds
# Needs: dotnet tool install -g dotnet-counters dotnet-trace (10.0.750501); writes to bench/cache/profile-*/.
set -euo pipefail
scenario=${1:-create}; clients=${2:-16}; seconds=${3:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$PATH:$HOME/.dotnet/tools"
out="$root/bench/cache/profile-$scenario-$(date +%H%M%S)"; mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dll="$root/src/FhirKetamine.Server/bin/Release/net10.0/FhirKetamine.Server.dll"
bench="$root/bench/FhirKetamine.Bench/bin/Release/net10.0/FhirKetamine.Bench.dll"
[ -f "$dll" ] || dotnet build "$root/src/FhirKetamine.Server" -c Release -v q
[ -f "$bench" ] || dotnet build "$root/bench/FhirKetamine.Bench" -c Release -v q
db="$out/fhir.db"
[ -n "${DB:-}" ] && cp "$DB" "$db"
DOTNET_gcServer=1 timeout $((seconds + 240)) dotnet "$dll" --urls "http://127.0.0.1:$port" \
  "--ConnectionStrings:Fhir=Data Source=$db" --Auth:Mode=Disabled --Logging:LogLevel:Default=Warning > "$out/server.log" 2>&1 &
tpid=$!
trap 'kill $tpid 2>/dev/null || true' EXIT
sleep 0.5; pid=$(pgrep -P $tpid -n)   # the server, not the timeout wrapper
until curl -fs "http://127.0.0.1:$port/health/ready" > /dev/null; do sleep 0.1; done
dur=$(printf '00:00:%02d' $((seconds > 59 ? 59 : seconds)))
(sleep 8; dotnet-counters collect -p $pid --format csv -o "$out/counters.csv" --duration "$dur" \
   --counters System.Runtime,Microsoft.AspNetCore.Hosting,Microsoft-AspNetCore-Server-Kestrel,Microsoft.EntityFrameworkCore > /dev/null 2>&1) &
(sleep 8; dotnet-trace collect -p $pid --profile dotnet-sampled-thread-time -o "$out/trace.nettrace" --duration "$dur" > "$out/trace.log" 2>&1 || \
 dotnet-trace collect -p $pid -o "$out/trace.nettrace" --duration "$dur" > "$out/trace.log" 2>&1) &
(sleep 8; dotnet-trace collect -p $pid --providers Microsoft-Windows-DotNETRuntime:0x10:5 -o "$out/jit.nettrace" --duration "$dur" > "$out/jit.log" 2>&1) &
dotnet "$bench" load --scenario "$scenario" --clients "$clients" --duration $((seconds + 10)) --warmup 5 \
  --server-url "http://127.0.0.1:$port" | tee "$out/load.txt"
wait %2 %3 %4 2>/dev/null || true
dotnet "$bench" jit-report "$out/jit.nettrace" > "$out/jit-report.txt" 2>&1 || true
dotnet-trace report "$out/trace.nettrace" topN -n 25 > "$out/top-exclusive.txt" 2>&1 || true
dotnet-trace report "$out/trace.nettrace" topN -n 25 --inclusive > "$out/top-inclusive.txt" 2>&1 || true
echo "profile in $out"
