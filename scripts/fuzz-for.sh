#!/usr/bin/env bash
# Fuzz for a set time: rounds of the reader fuzzers and schemathesis, each round with a fresh Hypothesis seed,
# until FUZZ_MINUTES have passed. Prints one line a round and a total; exits 1 on the first round with a finding
# (its seed is printed, so `--hypothesis-seed=SEED` replays it).
#   FUZZ_MINUTES   wall-clock minutes to spend (default 60)
#   FUZZ_EXAMPLES  examples per reader and per API operation in a round (default 200)
#   FUZZ_WORKERS   pytest-xdist workers (default 2)
# The API fuzzer also reads ETHICOMPASS_FUZZ_TIMEOUT (seconds a request may take, 120) and
# ETHICOMPASS_FUZZ_OPERATIONS ("GET /api/v1/...,POST ..." to replay only those operations).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${FUZZ_MINUTES:-60}"
examples="${FUZZ_EXAMPLES:-200}"
workers="${FUZZ_WORKERS:-2}"
end=$(( $(date +%s) + minutes * 60 ))
rounds=0
start=$(date +%s)
while [ "$(date +%s)" -lt "$end" ]; do
  seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
  rounds=$((rounds + 1))
  t0=$(date +%s)
  if ! ETHICOMPASS_FUZZ_EXAMPLES="$examples" .venv/bin/python -m pytest -q -p no:cacheprovider -n "$workers" \
      --hypothesis-seed="$seed" tests/foundation/test_fuzz_readers.py tests/server/test_server_schemathesis.py \
      >"${TMPDIR:-/tmp}/ethicompass-fuzz-round.log" 2>&1; then
    tail -40 "${TMPDIR:-/tmp}/ethicompass-fuzz-round.log"
    echo "fuzz: round $rounds FAILED (seed $seed, $examples examples); replay with --hypothesis-seed=$seed"
    exit 1
  fi
  echo "fuzz: round $rounds passed (seed $seed, $examples examples per reader and operation, $(( $(date +%s) - t0 )) s)"
done
echo "fuzz: $rounds rounds, $(( ($(date +%s) - start) / 60 )) min, no finding"
