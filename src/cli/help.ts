/** Help texts: one per subcommand, each with examples. */

export const MAIN_HELP = `acme-godaddy: answer ACME dns-01 challenges for domains whose DNS is at GoDaddy.

Usage: acme-godaddy <command> [options]

Commands:
  check       try everything a renewal needs (credentials, API access, zones, nameservers,
              state directory) and print the certbot command lines to use
  auth        certbot --manual-auth-hook: publish CERTBOT_VALIDATION, wait once per run for DNS
  cleanup     certbot --manual-cleanup-hook: remove this challenge's value (and only it)
  reconcile   after a crash: remove values whose run is over, restore live ones (--dry-run)
  status      show the ledger of pending values (--json)
  demo        play a multi-certificate renewal morning against the built-in simulator
  lego        how to use this program as lego's EXEC_PATH (present/cleanup <fqdn> <value>)
  dehydrated  how to use this program as dehydrated's HOOK (deploy_challenge/clean_challenge)

Options:
  -h, --help      help (also: acme-godaddy <command> --help)
  -V, --version   print the version
  -v, --verbose   explain each step on stderr
      --debug     after the error line, print the error's stack trace (for every error)

Example (certbot):
  certbot certonly --manual --preferred-challenges dns \\
    --manual-auth-hook "/usr/local/bin/acme-godaddy auth" \\
    --manual-cleanup-hook "/usr/local/bin/acme-godaddy cleanup" \\
    -d 'example.com' -d '*.example.com'

First run:
  acme-godaddy check example.com

Configuration comes from the environment and the env file /etc/acme-godaddy/env
(ACME_GODADDY_ENV_FILE, mode 600): GODADDY_API_KEY and GODADDY_API_SECRET (or
GODADDY_API_KEY_FILE / GODADDY_API_SECRET_FILE naming files that hold them), and the
ACME_GODADDY_* settings listed in the README. ACME_GODADDY_LOG_FILE=/var/log/acme-godaddy.jsonl
keeps a JSON-lines audit log of every API call and decision (credentials redacted).

Exit codes: 0 ok, 64 usage, 65 zone/DNS, 69 GoDaddy error, 70 bug, 74 state directory,
75 try again later, 77 credentials/access refused, 78 configuration.`;

export const COMMAND_HELP: Record<string, string> = {
  auth: `Usage: acme-godaddy auth [--domain D --validation V] [--remaining N]

certbot's --manual-auth-hook. Reads CERTBOT_DOMAIN, CERTBOT_VALIDATION and
CERTBOT_REMAINING_CHALLENGES (flags override them). Adds the value to the TXT RRset at
_acme-challenge.<domain> at GoDaddy, keeping every other value there. While challenges remain
(N > 0) it returns as soon as GoDaddy confirms the write; the last call (N = 0) waits until every
authoritative nameserver of every zone in this certbot run serves every value of the run. Without
CERTBOT_REMAINING_CHALLENGES each call waits for its own value. Prints nothing on success.

Example:
  CERTBOT_DOMAIN=example.com CERTBOT_VALIDATION=abc CERTBOT_REMAINING_CHALLENGES=0 acme-godaddy auth`,
  cleanup: `Usage: acme-godaddy cleanup [--domain D --validation V]

certbot's --manual-cleanup-hook. Removes CERTBOT_VALIDATION from _acme-challenge.<domain> and
leaves every other value in place (the other challenge of a wildcard + apex certificate, another
certbot run's values, SPF or verification strings). Deletes the name only when nothing else is
left. Never waits for DNS. Prints nothing on success.

Example:
  CERTBOT_DOMAIN=example.com CERTBOT_VALIDATION=abc acme-godaddy cleanup`,
  reconcile: `Usage: acme-godaddy reconcile [--dry-run] [--repair] [--json]

Brings GoDaddy and the ledger back in line after a crash (for example certbot killed mid-run,
which skips the cleanup hooks): values whose run is over are removed, values of runs still going
are restored. --dry-run prints the plan and changes nothing. Safe to run from cron at any time.
--repair moves an unreadable ledger aside (kept as <file>.broken-<time>) and rebuilds it from the
entries that still parse; without it a broken ledger is refused and left untouched.

Examples:
  acme-godaddy reconcile --dry-run
  acme-godaddy reconcile
  acme-godaddy reconcile --repair`,
  status: `Usage: acme-godaddy status [--json]

Shows the ledger: every value this tool has put or is about to put or remove at GoDaddy, with
its zone, record, state (adding, live, removing), whether its run is over (stale) and its age.
Reads local state only: no credentials or network needed.

Examples:
  acme-godaddy status
  acme-godaddy status --json`,
  demo: `Usage: acme-godaddy demo

Starts the built-in GoDaddy API and nameserver simulator on loopback and plays a renewal morning
on a multi-certificate host through this CLI as child processes: wildcard + apex for one zone, an
overlapping second certificate at the same moment, and a subdomain in another zone. Prints what
happens and a summary. Needs no GoDaddy account and no network.

Example:
  acme-godaddy demo`,
  check: `Usage: acme-godaddy check [--json] [domain…]

Tries, without changing anything at GoDaddy, everything a renewal needs and prints one line per
check ("ok" or "FAIL", with a hint), then the exact certbot command lines to use, with the
absolute path of this program:
  - the env file is read and not readable by group or others, credentials are set;
  - the state directory can be created and written, every ledger in it is readable;
  - per domain: the zone holding _acme-challenge.<domain> is found in DNS; a GET of that TXT
    name at GoDaddy succeeds (credentials valid, API access allowed; a 403 is explained);
  - per zone: the zone is delegated to GoDaddy's nameservers (*.domaincontrol.com, or
    ACME_GODADDY_NS_SUFFIXES), and every address of every authoritative server answers.
Exits 0 only when every check passed, otherwise with the exit code of the first failed check
(77 credentials or access refused, 65 zone or DNS, 74 state directory, 78 configuration).
--json prints {"ok", "exitCode", "checks": [{"name", "ok", "detail", "hint"?}], "certbot": […]}.
Run it as the user the hooks run as (root for certbot).

Examples:
  sudo acme-godaddy check example.com
  acme-godaddy check example.com www.example.org --json`,
  lego: `Usage: acme-godaddy present <fqdn> <value>
       acme-godaddy cleanup <fqdn> <value>
       acme-godaddy lego present|cleanup <fqdn> <value>

lego's "exec" DNS provider (default EXEC_MODE). lego runs EXEC_PATH with present|cleanup, the
record name with a trailing dot (_acme-challenge.www.example.com.) and the value, so EXEC_PATH
can be this program itself. present adds the value (keeping every other value at the name) and
returns once every authoritative server serves it; cleanup removes only that value. Prints
nothing on success. EXEC_MODE=RAW is not supported. lego 4.x solves exec challenges one at a
time, 60 s apart: set EXEC_SEQUENCE_INTERVAL=1. lego's own propagation check runs after ours:
keep it, or shorten it with --dns.disable-cp. If _acme-challenge is a CNAME, set
LEGO_DISABLE_CNAME_SUPPORT=true (acme-godaddy follows it itself).

Example:
  EXEC_PATH=/usr/local/bin/acme-godaddy EXEC_SEQUENCE_INTERVAL=1 EXEC_PROPAGATION_TIMEOUT=900 \\
    lego --email you@example.com --dns exec -d example.com -d '*.example.com' run`,
  dehydrated: `Usage: acme-godaddy deploy_challenge <domain> <token-file> <value> [<domain> <token-file> <value>…]
       acme-godaddy clean_challenge <domain> <token-file> <value> […]
       acme-godaddy <any other dehydrated event> …      (ignored: exit 0, no output)
       acme-godaddy dehydrated <event> …                (the same, spelled out)

dehydrated's hook interface (CHALLENGETYPE=dns-01). dehydrated runs HOOK with the event name
first, so HOOK can be this program itself. deploy_challenge adds each value (keeping every other
value at the name) and returns once every authoritative server serves them; clean_challenge
removes only those values. With HOOK_CHAIN=yes dehydrated passes every challenge of a
certificate in one call: all values are written first and the wait happens once. If a
deploy_challenge fails, the values it already wrote are removed again (dehydrated calls no
clean_challenge then). Every other event (deploy_cert, startup_hook, exit_hook, …) is ignored.

Example (/etc/dehydrated/conf.d/godaddy.sh):
  CHALLENGETYPE=dns-01
  HOOK=/usr/local/bin/acme-godaddy
  HOOK_CHAIN=yes`,
};
COMMAND_HELP['present'] = COMMAND_HELP['lego']!;
