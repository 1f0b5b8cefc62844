#!/usr/bin/env bash
# openai-mock's mutual TLS flags, driven with curl: --client-cert-out/--client-key-out generate a
# client certificate the mock then requires; --client-ca requires certificates of a given CA;
# handshakes without a certificate are counted in /__mock/stats.
#   client_ca_test.sh OPENAI_MOCK
set -u

command -v curl >/dev/null || { echo "SKIPPED: curl is not installed"; exit 77; }

mock=$1
key='sk-client-ca-test-key'
source "$(dirname "$0")/../cli/mock_script_prelude.sh"

# update [CURL FLAGS...]: POSTs a metadata update over HTTPS; prints the status (000: no answer).
update() {
  curl -s -o /dev/null -w '%{http_code}' --cacert "$work/ca.pem" "$@" \
    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d '{"metadata":{"mtls":"yes"}}' "$https_url/chat/completions/chatcmpl-mock-000001"
}

# stat_reaches NAME N: the counter reaches N within 5 s (the mock counts a refused handshake
# after its alert has gone out).
stat_reaches() {
  for _ in $(seq 100); do
    [[ $(mock_stat "$1") -ge $2 ]] && return 0
    sleep 0.05
  done
  return 1
}

echo "openai-mock client certificate tests"

run "$mock" --help
check "--help lists the mutual TLS flags" \
  'has_out "--client-ca PEM" && has_out "--client-cert-out PATH" && has_out "--client-ca-out PATH"'
run "$mock" --client-cert-out "$work/c.pem"
check "--client-cert-out without --client-key-out is a usage error" \
  '[[ $rc == 2 ]] && has_err "--client-cert-out and --client-key-out go together"'
run "$mock" --client-ca "$work/none.pem"
check "an unreadable --client-ca is a usage error naming it" \
  '[[ $rc == 2 ]] && has_err "--client-ca: cannot read $work/none.pem"'
echo "not a certificate" >"$work/garbage.pem"
run "$mock" --client-ca "$work/garbage.pem"
check "a --client-ca without a certificate is a usage error" \
  '[[ $rc == 2 ]] && has_err "holds no PEM certificate"'

start_mock 3 --client-cert-out "$work/client.pem" --client-key-out "$work/client.key" \
  --client-ca-out "$work/client-ca.pem"
check "the generated key is readable by its owner only" \
  '[[ $(stat -c %a "$work/client.key") == 600 ]]'
check "the generated certificate and CA are PEM" \
  'grep -q "BEGIN CERTIFICATE" "$work/client.pem" && grep -q "BEGIN CERTIFICATE" "$work/client-ca.pem"'
status=$(update --cert "$work/client.pem" --key "$work/client.key")
check "with the generated certificate, an update is answered ($status)" '[[ $status == 200 ]]'
status=$(update)
check "without a certificate, the handshake fails ($status)" '[[ $status == 000 ]]'
check "the stats count the handshake without a certificate" \
  'stat_reaches tls_client_certificate_missing 1'
check "plain HTTP asks for no certificate" \
  '[[ $(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$http_port/__mock/stats") == 200 ]]'

# Certificates of the first run's CA, required by a mock that only knows that CA from a file.
start_mock 3 --client-ca "$work/client-ca.pem"
status=$(update --cert "$work/client.pem" --key "$work/client.key")
check "--client-ca accepts a certificate that CA signed ($status)" '[[ $status == 200 ]]'
status=$(update)
check "--client-ca refuses a connection without a certificate ($status)" '[[ $status == 000 ]]'

# A mock with a CA of its own no longer trusts the first run's certificate.
start_mock 3 --client-cert-out "$work/other.pem" --client-key-out "$work/other.key"
status=$(update --cert "$work/client.pem" --key "$work/client.key")
check "a certificate of another CA is refused ($status)" '[[ $status == 000 ]]'
check "the stats count the rejected certificate" 'stat_reaches tls_client_certificate_rejected 1'

echo "client certificates: $((cases - failures)) of $cases cases passed"
[[ $failures == 0 ]]
