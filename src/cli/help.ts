/** Help texts: one per subcommand, each with examples. */

export const MAIN_HELP = `acme-godaddy: answer ACME dns-01 challenges for domains whose DNS is at GoDaddy.

Usage: acme-godaddy <command> [options]

Commands:
  auth        certbot --manual-auth-hook: publish CERTBOT_VALIDATION, wait once per run for DNS
  cleanup     certbot --manual-cleanup-hook: remove this challenge's value (and only it)
  reconcile   after a crash: remove values whose run is over, restore live ones (--dry-run)
  status      show the ledger of pending values (--json)
  demo        play a multi-certificate renewal morning against the built-in simulator

Options:
  -h, --help      help (also: acme-godaddy <command> --help)
  -V, --version   print the version
  -v, --verbose   explain each step on stderr
      --debug     print stack traces for unexpected errors

Example (certbot):
  certbot certonly --manual --preferred-challenges dns \\
    --manual-auth-hook "/usr/local/bin/acme-godaddy auth" \\
    --manual-cleanup-hook "/usr/local/bin/acme-godaddy cleanup" \\
    -d 'example.com' -d '*.example.com'

Configuration comes from the environment and the env file /etc/acme-godaddy/env
(ACME_GODADDY_ENV_FILE): GODADDY_API_KEY, GODADDY_API_SECRET, and the ACME_GODADDY_* settings
listed in the README.`;

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
};
