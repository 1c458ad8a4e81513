'use strict';
// Exception text is written to logs and to `N control-results`, which every console and
// every process with Redis read access sees. Libraries put connection strings, URLs and
// tokens into their messages; this removes them first: the configured secrets by value
// (passwords of the Redis URI / redis_password / the DSN, the whole DSN), then anything
// shaped like one (a URI's user:password@, password=… / token=… pairs, Bearer tokens,
// sk-… keys).
const MASK = '***';

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const PATTERNS = [
  // scheme://user:password@host -> scheme://user:***@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*):[^\s@'"/]+@/gi, `$1:${MASK}@`],
  // key=value secrets, in a libpq DSN, a query string or a log line.
  [/\b(password|passwd|pwd|pass|secret|token|api[_-]?key|access[_-]?token|auth)(\s*[=:]\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;,'"]+)/gi, `$1$2${MASK}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${MASK}`],
  [/\b(sk|pk|rk|ghp|gho|xox[abpr])[-_][A-Za-z0-9_-]{8,}/g, MASK],
];

// secrets: exact strings to remove wherever they appear (empty ones are ignored).
function makeScrubber(secrets = []) {
  const exact = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= 3))]
    .sort((a, b) => b.length - a.length)
    .map((s) => new RegExp(escapeRe(s), 'g'));
  return function scrub(text) {
    let s = String(text === undefined || text === null ? '' : text);
    for (const re of exact) s = s.replace(re, MASK);
    for (const [re, to] of PATTERNS) s = s.replace(re, to);
    return s;
  };
}

// The secrets of a bridge configuration.
function secretsOf(cfg) {
  const out = [cfg.redisPassword, cfg.pgDsn];
  try {
    const u = new URL(cfg.redisUri);
    if (u.password) out.push(decodeURIComponent(u.password), u.password);
  } catch (e) {
    /* not a URL: parseConfig refused it already */
  }
  if (cfg.pgDsn) {
    try {
      const { pgConfig } = require('./pgsink');
      const pc = pgConfig(cfg.pgDsn);
      if (pc.password) out.push(pc.password);
    } catch (e) {
      /* an unparsable DSN: the whole string is masked above */
    }
  }
  for (const { url } of cfg.healthUrls ? cfg.healthUrls.values() : []) {
    try {
      const u = new URL(url.replace(/\{pm_id\}/g, '0'));
      if (u.password) out.push(decodeURIComponent(u.password), u.password);
      for (const [k, v] of u.searchParams) if (/token|key|secret|pass|auth/i.test(k)) out.push(v);
    } catch (e) {
      /* checked by parseConfig */
    }
  }
  return out;
}

module.exports = { makeScrubber, secretsOf, MASK };
