# Packaging: the systemd unit, alone and with each platform drop-in, passes
# `systemd-analyze verify` without a single message (skipped with a note when systemd is
# not installed) and keeps its sandbox; the example configuration files are accepted by the
# notary; the Containerfile carries the Confidential Space launch policy labels.
source "$(dirname "$0")/lib/common.sh"
P="$ROOT/packaging"

if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p "$WORK/units"
  # verify wants ExecStart to exist: the built notary stands in for /usr/bin's.
  sed "s|/usr/bin/teeproof-notary|$BIN/teeproof-notary|" "$P/teeproof-notary.service" >"$WORK/units/teeproof-notary.service"
  for dropin in none tdx sev-snp nitro; do
    rm -rf "$WORK/units/teeproof-notary.service.d"
    if [[ $dropin != none ]]; then
      mkdir "$WORK/units/teeproof-notary.service.d"
      cp "$P/dropins/$dropin.conf" "$WORK/units/teeproof-notary.service.d/platform.conf"
    fi
    out=$(cd "$WORK/units" && SYSTEMD_UNIT_PATH="$WORK/units:" systemd-analyze verify --man=no ./teeproof-notary.service 2>&1) ||
      fail "systemd-analyze verify ($dropin): $out"
    [[ -z $out ]] || fail "systemd-analyze verify ($dropin) says: $out"
    note "unit verified (drop-in: $dropin)"
  done
  rm -rf "$WORK/units/teeproof-notary.service.d" # the base unit's score
  score=$(cd "$WORK/units" && systemd-analyze security --offline=yes ./teeproof-notary.service 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  note "systemd-analyze security exposure: ${score:-?}"
  [[ -z $score ]] || awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score is above 2.0: the sandbox was weakened"
else
  note "SKIP systemd-analyze verify: systemd is not installed"
fi
for key in 'DynamicUser=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'NoNewPrivileges=yes' \
           'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'SystemCallFilter=@system-service' \
           'CapabilityBoundingSet=' 'PrivateDevices=yes' 'LimitCORE=0'; do
  grep -qxF -- "$key" "$P/teeproof-notary.service" || fail "unit lacks $key"
done
grep -q 'DeviceAllow=/dev/sev-guest rw' "$P/dropins/sev-snp.conf" || fail "sev-snp drop-in: no /dev/sev-guest"
grep -q 'DeviceAllow=/dev/nsm rw' "$P/dropins/nitro.conf" || fail "nitro drop-in: no /dev/nsm"
grep -q 'ReadWritePaths=/sys/kernel/config/tsm/report' "$P/dropins/tdx.conf" || fail "tdx drop-in: no configfs-tsm"

# The example configurations are accepted (the listen address, platform and metrics port
# replaced from the command line for the test).
for cfg in notary.json confidential-space.json; do
  start_server "cfg_$(tr -c "a-z\n" _ <<<"${cfg%%.*}")" "$BIN/teeproof-notary" --config "$P/$cfg" --listen 127.0.0.1:0 --tee sim \
    --metrics 127.0.0.1:0 --allow-port any
  note "packaging/$cfg accepted"
done

# The Containerfile: Debian 12, the notary with its configuration, the launch policy.
C="$P/Containerfile"
grep -q '^FROM docker.io/library/debian:12-slim AS build' "$C" || fail "Containerfile: build stage is not Debian 12"
grep -q '^ENTRYPOINT \["/usr/local/bin/teeproof-notary", "--config", "/etc/teeproof/notary.json"\]' "$C" || fail "Containerfile: entrypoint"
grep -q '"tee": "gcp-cs"' "$P/confidential-space.json" || fail "confidential-space.json: not gcp-cs"
for label in '"tee.launch_policy.allow_cmd_override"="false"' '"tee.launch_policy.allow_env_override"=""' \
             '"tee.launch_policy.allow_mount_destinations"=""' '"tee.launch_policy.log_redirect"="always"'; do
  grep -qF "LABEL $label" "$C" || fail "Containerfile: no LABEL $label"
done
note "Containerfile labels present"
