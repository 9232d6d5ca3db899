#!/usr/bin/env sh
# shellcheck disable=SC2034
dns_acmegodaddy_info='GoDaddy DNS through acme-godaddy
 Adds and removes _acme-challenge TXT values with the acme-godaddy CLI, which keeps every other
 value at the name, serialises concurrent runs and returns only once every authoritative GoDaddy
 nameserver serves the value.
Site: see the acme-godaddy README, section "Other ACME clients"
Options:
 ACME_GODADDY_BIN Path of the acme-godaddy program. Default: "acme-godaddy" from PATH.
Credentials and settings come from /etc/acme-godaddy/env (or ACME_GODADDY_ENV_FILE), as for
certbot; nothing secret is stored in acme.sh account.conf.
'

# Install: cp dns_acmegodaddy.sh ~/.acme.sh/dnsapi/   (or <acme.sh home>/dnsapi/)
# Use:     acme.sh --issue --dns dns_acmegodaddy --dnssleep 1 -d example.com -d '*.example.com'
# (--dnssleep 1 skips acme.sh's own check through public DNS-over-HTTPS resolvers: acme-godaddy
#  has already waited for GoDaddy's authoritative servers when dns_acmegodaddy_add returns.)

#Usage: dns_acmegodaddy_add _acme-challenge.www.example.com "XKrxpRBosdIKFzxW_CT3KLZNf6q0HG9i01zxXp5CPBs"
dns_acmegodaddy_add() {
  fulldomain=$1
  txtvalue=$2
  _acmegodaddy_bin || return 1
  _info "Adding $fulldomain with acme-godaddy"
  _debug txtvalue "$txtvalue"
  if ! "$ACME_GODADDY_BIN" present "$fulldomain" "$txtvalue"; then
    _err "acme-godaddy could not add $fulldomain (see the line above; exit codes: acme-godaddy --help)"
    return 1
  fi
  return 0
}

#Usage: dns_acmegodaddy_rm _acme-challenge.www.example.com "XKrxpRBosdIKFzxW_CT3KLZNf6q0HG9i01zxXp5CPBs"
dns_acmegodaddy_rm() {
  fulldomain=$1
  txtvalue=$2
  _acmegodaddy_bin || return 1
  _info "Removing $fulldomain with acme-godaddy"
  _debug txtvalue "$txtvalue"
  if ! "$ACME_GODADDY_BIN" cleanup "$fulldomain" "$txtvalue"; then
    _err "acme-godaddy could not remove $fulldomain (acme-godaddy reconcile cleans up later)"
    return 1
  fi
  return 0
}

####################  Private functions below ##################################

# Finds the program once and remembers it in account.conf, so renewals from cron (minimal PATH)
# use the same one.
_acmegodaddy_bin() {
  ACME_GODADDY_BIN="${ACME_GODADDY_BIN:-$(_readaccountconf_mutable ACME_GODADDY_BIN)}"
  if [ -z "$ACME_GODADDY_BIN" ]; then
    ACME_GODADDY_BIN=$(command -v acme-godaddy 2>/dev/null)
  fi
  if [ -z "$ACME_GODADDY_BIN" ] || [ ! -x "$ACME_GODADDY_BIN" ]; then
    _err "acme-godaddy not found; install it or set ACME_GODADDY_BIN=/path/to/acme-godaddy"
    return 1
  fi
  _saveaccountconf_mutable ACME_GODADDY_BIN "$ACME_GODADDY_BIN"
  return 0
}
