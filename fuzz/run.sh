#!/bin/sh
# fuzz/run.sh SECONDS NAME... — runs the libFuzzer harnesses build/fuzz/NAME one after another
# (make fuzz, make fuzz-short), each for SECONDS with its seeds (fuzz/corpus/NAME), its
# dictionary (fuzz/NAME.dict) and its recorded findings (fuzz/regressions/NAME, replayed first).
#
# New corpus entries go to build/fuzz/corpus/NAME, crashing inputs to build/fuzz/crashes/NAME/,
# libFuzzer's output to build/fuzz/logs/NAME.log and a summary to build/fuzz/stats/NAME.txt.
# Exits 1 when any harness crashed, leaked, hung (FUZZ_TIMEOUT seconds for one input, default
# 10) or failed to start; the others still run. FUZZ_NICE (default 10) is the nice level.
set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 SECONDS NAME..." >&2
    exit 2
fi
secs=$1
shift
out=build/fuzz
failed=""

max_len_of() {
    case $1 in
    msgbody) echo 16384 ;; # past MSGBODY_MAX_BYTES (12288), so the size limits are reached
    usersig) echo 4200 ;;  # past USERSIG_MAX_LEN (4096)
    *) echo 4096 ;;
    esac
}

for name in "$@"; do
    bin=$out/$name
    corpus=$out/corpus/$name
    crashes=$out/crashes/$name
    log=$out/logs/$name.log
    mkdir -p "$corpus" "$crashes" "$out/logs" "$out/stats"
    if [ ! -x "$bin" ]; then
        echo "fuzz: $bin is missing (make fuzz-build)" >&2
        failed="$failed $name"
        continue
    fi
    set -- -max_total_time="$secs" -max_len="$(max_len_of "$name")" -timeout="${FUZZ_TIMEOUT:-10}" \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/"
    [ -f "fuzz/$name.dict" ] && set -- "$@" -dict="fuzz/$name.dict"
    set -- "$@" "$corpus"
    [ -d "fuzz/regressions/$name" ] && set -- "$@" "fuzz/regressions/$name"
    [ -d "fuzz/corpus/$name" ] && set -- "$@" "fuzz/corpus/$name"

    nice -n "${FUZZ_NICE:-10}" "$bin" "$@" >"$log" 2>&1
    rc=$?

    stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
    execs=$(stat number_of_executed_units)
    rate=$(stat average_exec_per_sec)
    rss=$(stat peak_rss_mb)
    seeds=$(find "fuzz/corpus/$name" -type f 2>/dev/null | wc -l)
    found=$(find "$corpus" -type f | wc -l)
    findings=$(find "$crashes" -type f | wc -l)
    cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    {
        echo "name=$name"
        echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "seconds=$secs"
        echo "executions=${execs:-0}"
        echo "exec_per_sec=${rate:-0}"
        echo "peak_rss_mb=${rss:-0}"
        echo "coverage_edges=${cov:-0}"
        echo "seeds=$seeds"
        echo "corpus=$found"
        echo "crash_files=$findings"
        echo "exit=$rc"
    } >"$out/stats/$name.txt"
    printf 'fuzz: %-14s %10s execs %7s/s  cov %5s  corpus %4s (+%s seeds)  rss %4s MB  %s\n' \
        "$name" "${execs:-0}" "${rate:-0}" "${cov:-0}" "$found" "$seeds" "${rss:-0}" \
        "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)")"
    if [ "$rc" -ne 0 ]; then
        grep -E 'ERROR|assertion failed|SUMMARY|Test unit written' "$log" | head -n 20 >&2
        echo "fuzz: $name: full output in $log, inputs in $crashes/" >&2
        failed="$failed $name"
    fi
done

if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed" >&2
    exit 1
fi
