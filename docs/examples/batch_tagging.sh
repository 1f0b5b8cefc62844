#!/usr/bin/env bash
# Batch tagging with the command line: list, tag, and resume after an interruption.
# Expects OPENAI_API_KEY and OPENAI_BASE_URL (and SSL_CERT_FILE for a private CA).
set -euo pipefail

# Every stored completion of a model, one JSON line each.
openai chat:completions list --model gpt-4o --format jsonl >completions.jsonl

# Tag them all: one record per input line in results.jsonl, a summary on stderr.
openai chat:completions update-many --input completions.jsonl --output results.jsonl \
  --set experiment=b7 --concurrency 32 || echo "some lines failed (exit status $?)"

# Interrupted or partly failed? Run it again with --resume: the lines results.jsonl records as
# ok are skipped, the others are tried again and their records appended.
openai chat:completions update-many --input completions.jsonl --output results.jsonl \
  --set experiment=b7 --resume

# The failures, with their kind and message.
grep '"ok":false' results.jsonl || echo "no failed record"
