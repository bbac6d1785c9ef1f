# attest.* : a TPM 2.0 quote over the PCRs the service names, with its nonce (docs/agent-image.md).
# The attestation key is a primary key created from the endorsement hierarchy's seed with a fixed
# template, so the same TPM gives the same key on every boot: the key registered at inspection is
# the key that signs later quotes.
ak_create() {
  tpm2_createprimary -Q -C e -g sha256 -G ecc256:ecdsa-sha256:null \
    -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign' -c /tmp/ak.ctx >/dev/null 2>/tmp/tpm.err
}

attest_get_quote() {
  local p="$1" nonce pcrs alg
  [ -e /dev/tpmrm0 ] || [ -e /dev/tpm0 ] || { echo "TpmNotFound: this machine has no TPM 2.0 device" >&2; return 1; }
  export TPM2TOOLS_TCTI=device:/dev/tpmrm0; [ -e /dev/tpmrm0 ] || export TPM2TOOLS_TCTI=device:/dev/tpm0
  nonce="$(jq -r '.nonce // empty' "$p")"
  echo "$nonce" | grep -qE '^([0-9a-fA-F]{2}){8,64}$' || { echo "InvalidCommandParamsError: nonce must be 8 to 64 bytes in hex" >&2; return 1; }
  alg="$(jq -r '.hash_algo // .hash_algorithm // "sha256"' "$p")"
  case "$alg" in sha1|sha256|sha384|sha512) ;; *) echo "InvalidCommandParamsError: unsupported PCR bank $alg" >&2; return 1 ;; esac
  pcrs="$(jq -r '.pcrs // [] | map(tostring) | join(",")' "$p")"
  echo "$pcrs" | grep -qE '^([0-9]|1[0-9]|2[0-3])(,([0-9]|1[0-9]|2[0-3]))*$' || { echo "InvalidCommandParamsError: pcrs must be a non-empty list of PCR numbers 0-23" >&2; return 1; }
  ak_create || { echo "TpmError: creating the attestation key failed: $(head -1 /tmp/tpm.err)" >&2; return 1; }
  tpm2_quote -Q -c /tmp/ak.ctx -l "$alg:$pcrs" -q "$nonce" -g sha256 -m /tmp/quote.msg -s /tmp/quote.sig \
      -o /tmp/quote.pcrs >/dev/null 2>/tmp/tpm.err \
    || { echo "TpmError: TPM2_Quote failed: $(head -1 /tmp/tpm.err)" >&2; return 1; }
  values="$(tpm2_pcrread "$alg:$pcrs" 2>/dev/null | sed -n 's/^ *\([0-9]*\) *: *0x\([0-9A-Fa-f]*\).*/\1 \2/p' \
    | jq -Rn '[inputs | split(" ") | {(.[0]): (.[1] | ascii_downcase)}] | add')"
  jq -cn --arg msg "$(base64 -w0 </tmp/quote.msg)" --arg sig "$(base64 -w0 </tmp/quote.sig)" --arg a "$alg" --argjson v "$values" \
    '{quote: $msg, signature: $sig, hash_algo: $a, pcrs: $v}'
  rm -f /tmp/ak.ctx /tmp/ak.pem /tmp/quote.*
}

# The attestation key's public half, sent with the inspection data (registered by the service).
attest_ak_pem() {
  [ -e /dev/tpmrm0 ] || [ -e /dev/tpm0 ] || return 1
  export TPM2TOOLS_TCTI=device:/dev/tpmrm0; [ -e /dev/tpmrm0 ] || export TPM2TOOLS_TCTI=device:/dev/tpm0
  ak_create && tpm2_readpublic -Q -c /tmp/ak.ctx -f pem -o /tmp/ak.pem >/dev/null 2>&1 && cat /tmp/ak.pem
  rm -f /tmp/ak.ctx /tmp/ak.pem
}
