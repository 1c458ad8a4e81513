#include "core/services/ExportHtml.h"

#include "core/contract/PromptMessages.h"

#include <QCryptographicHash>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <unordered_map>

namespace switchboard {

namespace {

using nlohmann::json;

void esc(std::string &out, const std::string &s)
{
    out.reserve(out.size() + s.size());
    for (const char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
}

std::string str(const json &j)
{
    if (j.is_null())
        return {};
    if (j.is_string())
        return j.get<std::string>();
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ms(double v)
{
    char b[32];
    if (v >= 1000)
        std::snprintf(b, sizeof b, "%.2f s", v / 1000);
    else
        std::snprintf(b, sizeof b, "%.0f ms", v);
    return b;
}

const char *kCss = R"(
body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px} h2{font-size:15px;margin:20px 0 6px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%} th,td{padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0;position:sticky;top:0} tr.span:hover{background:#f6f8ff}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.mono,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;border:1px solid #e2e2e2;padding:6px;max-height:480px;overflow:auto}
.meta td{padding:1px 12px 1px 0}.err{color:#b00020;font-weight:600}.ok{color:#1b7a2b}
.bar{position:relative;height:10px;background:#f1f1f1;min-width:160px}
.bar i{position:absolute;top:0;height:10px;background:#4a78c2}.bar i.e{background:#c0392b}
tr.detail td{padding:0 6px 6px 24px} details summary{cursor:pointer;color:#555}
.seg{color:#6a3d9a;font-weight:700} #q{width:320px;padding:3px}
.toolbar{margin:8px 0} .kind{color:#555} table.meta{width:auto}
)";

// No inline handler or style attribute anywhere: the CSP allows this script and this
// style sheet by their hashes only (no 'unsafe-inline').
const char *kJs = R"(
function filt(v){v=v.toLowerCase();document.querySelectorAll('tr.span').forEach(function(r){
var d=r.nextElementSibling;var m=!v||r.textContent.toLowerCase().indexOf(v)>=0;
r.hidden=!m;if(d&&d.classList.contains('detail'))d.hidden=!m;});}
function all(o){document.querySelectorAll('tr.detail details').forEach(function(d){d.open=o;});}
document.addEventListener('DOMContentLoaded',function(){
document.getElementById('q').addEventListener('input',function(){filt(this.value);});
document.getElementById('expand').addEventListener('click',function(){all(true);});
document.getElementById('collapse').addEventListener('click',function(){all(false);});});
)";

constexpr int kMaxDepth = 30;
constexpr int kBarSteps = 200; // waterfall positions in steps of 0.5 %

// The style sheet: the fixed rules, then one class per indentation depth (d0..d30) and per
// waterfall position and width (l0..l200, w1..w200), instead of style attributes.
const std::string &styleSheet()
{
    static const std::string css = [] {
        std::string c = kCss;
        char b[96];
        for (int d = 0; d <= kMaxDepth; ++d) {
            std::snprintf(b, sizeof b, "td.d%d{padding-left:%dpx}", d, 6 + 14 * d);
            c += b;
        }
        c += '\n';
        for (int i = 0; i <= kBarSteps; ++i) {
            std::snprintf(b, sizeof b, ".bar i.l%d{left:%g%%}", i, i * 100.0 / kBarSteps);
            c += b;
        }
        c += '\n';
        for (int i = 1; i <= kBarSteps; ++i) {
            std::snprintf(b, sizeof b, ".bar i.w%d{width:%g%%}", i, i * 100.0 / kBarSteps);
            c += b;
        }
        c += '\n';
        return c;
    }();
    return css;
}

std::string cspHash(const std::string &text)
{
    const QByteArray digest = QCryptographicHash::hash(
        QByteArray::fromRawData(text.data(), qsizetype(text.size())), QCryptographicHash::Sha256);
    return "'sha256-" + digest.toBase64().toStdString() + "'";
}

void payload(std::string &out, const char *title, const json &v)
{
    if (v.is_null() || (v.is_string() && v.get<std::string>().empty()))
        return;
    out += "<h4>";
    out += title;
    out += "</h4><pre>";
    // An assembled prompt (the contract's [{role, kind, text}], as text or JSON) is shown
    // as its segments, as in the traces view; anything else as it is.
    std::optional<QList<PromptMessage>> messages;
    if (v.is_array()) {
        messages = parsePromptMessages(v);
    } else if (v.is_string()) {
        const std::string &text = v.get_ref<const std::string &>();
        if (!text.empty() && text.front() == '[') {
            const json parsed = json::parse(text, nullptr, false);
            if (!parsed.is_discarded())
                messages = parsePromptMessages(parsed);
        }
    }
    const std::string s = messages ? promptSegmentsText(*messages).toStdString()
        : v.is_string()            ? v.get<std::string>()
                                   : v.dump(2, ' ', false, json::error_handler_t::replace);
    // Mark the segments of an assembled prompt (<|role:kind|> lines) so they stand out.
    std::size_t at = 0;
    while (at < s.size()) {
        const std::size_t m = s.find("<|", at);
        if (m == std::string::npos) {
            esc(out, s.substr(at));
            break;
        }
        const std::size_t e = s.find("|>", m);
        if (e == std::string::npos || e - m > 64) {
            esc(out, s.substr(at, m + 2 - at));
            at = m + 2;
            continue;
        }
        esc(out, s.substr(at, m - at));
        out += "<span class=\"seg\">";
        esc(out, s.substr(m, e + 2 - m));
        out += "</span>";
        at = e + 2;
    }
    out += "</pre>";
}

} // namespace

QByteArray renderExportHtml(const json &b)
{
    std::string o;
    o.reserve(1 << 20);
    static const std::string csp = "default-src 'none'; style-src " + cspHash(styleSheet())
        + "; script-src " + cspHash(kJs) + "; base-uri 'none'; form-action 'none'";
    o += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"";
    o += csp;
    o += "\"><title>Trace ";
    esc(o, str(b["session_id"]));
    o += "</title><style>";
    o += styleSheet();
    o += "</style><script>";
    o += kJs;
    o += "</script></head><body>\n<h1>Session <span class=\"mono\">";
    esc(o, str(b["session_id"]));
    o += "</span></h1>\n<table class=\"meta\">";
    auto meta = [&](const char *k, const std::string &v) {
        o += "<tr><td>";
        o += k;
        o += "</td><td>";
        esc(o, v);
        o += "</td></tr>";
    };
    const json &s = b["session"];
    if (s.is_object()) {
        meta("agent", str(s["agent"]));
        meta("outcome", str(s["outcome"]));
        meta("started", str(s["started_at"]));
        meta("ended", str(s["ended_at"]));
        meta("turns", str(s["turns"]));
        meta("max fill", str(s["max_fill_pct"]) + " %");
    }
    meta("spans", std::to_string(b["spans"].size()));
    meta("recovery events", std::to_string(b["recovery_events"].size()));
    meta("exported by", str(b["exported_by"]) + " from " + str(b["exported_from"]));
    meta("exported at", str(b["exported_at"]));
    const json &red = b["redaction"];
    const std::string patterns = red.is_object() ? str(red.value("pattern_count", json(0))) : "0";
    meta("redaction",
         (patterns == "0" ? std::string("no pattern")
                          : patterns + " pattern(s), " + str(red.value("replacements", json(0)))
                  + " replacement(s)")
             + (red.is_object() && red.value("ids", json("")) == "pseudonyms"
                    ? "; identifiers pseudonymised"
                    : ""));
    o += "</table>\n";

    o += "<h2>Turns and prompt versions</h2><table><tr><th>turn</th><th>started</th>"
         "<th>agent</th><th>prompt version</th></tr>";
    for (const json &t : b["turns"]) {
        o += "<tr><td class=\"n\">" + str(t["turn"]) + "</td><td class=\"mono\">";
        esc(o, str(t["started_at"]));
        o += "</td><td>";
        esc(o, str(t["agent"]));
        o += "</td><td class=\"n\">v" + str(t["prompt_version"]) + "</td></tr>";
    }
    o += "</table>\n";

    // Waterfall window of a span: its top-level ancestor (the turn), as in the console.
    std::unordered_map<std::string, std::pair<double, double>> window;
    std::unordered_map<std::string, std::string> rootOf;
    o += "<h2>Timeline</h2><div class=\"toolbar\"><input id=\"q\" placeholder=\"filter spans\" "
         "autocomplete=\"off\"> <button id=\"expand\">expand all</button> "
         "<button id=\"collapse\">collapse all</button></div>\n"
         "<table><tr><th>span</th><th>kind</th><th>status</th><th>start</th><th>duration</th>"
         "<th>waterfall</th><th>in tok</th><th>out tok</th><th>cache read</th>"
         "<th>TTFT</th></tr>\n";
    for (const json &sp : b["spans"]) {
        const std::string id = str(sp["span_id"]);
        const std::string parent = str(sp["parent_id"]);
        const double start = double(sp["started_ms"].get<std::int64_t>());
        const double dur
            = sp["duration_ms"].is_number() ? sp["duration_ms"].get<double>() : 0.0; // null: bad
        const auto p = rootOf.find(parent);
        const std::string root = parent.empty() || p == rootOf.end() ? id : p->second;
        rootOf[id] = root;
        if (root == id)
            window[id] = {start, std::max(1.0, dur)};
        const auto [w0, wd] = window[root];
        const double left = std::clamp((start - w0) / wd * 100, 0.0, 100.0);
        const double width = std::clamp(dur / wd * 100, 0.3, 100.0 - left);
        const bool error = str(sp["status"]) == "error";
        const int depth = sp["depth"].is_number() ? sp["depth"].get<int>() : 0;
        o += "<tr class=\"span\" id=\"s-";
        esc(o, id);
        o += "\" data-span-id=\"";
        esc(o, id);
        o += "\"><td class=\"d" + std::to_string(std::clamp(depth, 0, kMaxDepth)) + "\">";
        esc(o, str(sp["name"]));
        o += "</td><td class=\"kind\">";
        esc(o, str(sp["kind"]));
        o += error ? "</td><td class=\"err\">&#10007; error" : "</td><td class=\"ok\">&#10003; ";
        if (!error)
            esc(o, str(sp["status"]));
        o += "</td><td class=\"mono\">";
        esc(o, str(sp["started_at"]));
        const int l = std::clamp(int(std::lround(left * kBarSteps / 100)), 0, kBarSteps);
        const int w = std::clamp(int(std::lround(width * kBarSteps / 100)), 1, kBarSteps);
        o += "</td><td class=\"n\">" + ms(dur) + "</td><td><div class=\"bar\"><i class=\""
            + std::string(error ? "e " : "") + "l" + std::to_string(l) + " w" + std::to_string(w)
            + "\"></i></div></td>";
        for (const char *k : {"input_tokens", "output_tokens", "cache_read_tokens"})
            o += "<td class=\"n\">" + str(sp[k]) + "</td>";
        std::string ttft;
        if (!sp["first_token_at"].is_null())
            ttft = "yes";
        o += "<td class=\"n\">" + ttft
            + "</td></tr>\n<tr class=\"detail\"><td colspan=\"10\">"
              "<details><summary>payloads, attributes";
        if (error)
            o += ", error";
        o += "</summary><div class=\"mono\">span ";
        esc(o, id);
        o += " · trace ";
        esc(o, str(sp["trace_id"]));
        o += " · model ";
        esc(o, str(sp["model"]));
        o += " · prompt v" + str(sp["prompt_version"]) + "</div>";
        if (error) {
            o += "<p class=\"err\">";
            esc(o, str(sp["error_type"]) + ": " + str(sp["error"]));
            o += "</p>";
        }
        payload(o, "input", sp["input"]);
        payload(o, "output", sp["output"]);
        payload(o, "attributes", sp["attrs"]);
        o += "</details></td></tr>\n";
    }
    o += "</table>\n";

    o += "<h2>Recovery events</h2><table><tr><th>at</th><th>span</th><th>kind</th>"
         "<th>strategy</th><th>outcome</th><th>attempt</th><th>message</th></tr>";
    for (const json &e : b["recovery_events"]) {
        o += "<tr class=\"event\"><td class=\"mono\">";
        esc(o, str(e["at"]));
        o += "</td><td class=\"mono\"><a href=\"#s-";
        esc(o, str(e["span_id"]));
        o += "\">";
        esc(o, str(e["span_id"]));
        o += "</a></td>";
        for (const char *k : {"kind", "strategy", "outcome", "attempt", "message"}) {
            o += std::string("<td")
                + (std::string(k) == "outcome" && str(e[k]) == "failed" ? " class=\"err\">" : ">");
            esc(o, str(e[k]));
            o += "</td>";
        }
        o += "</tr>";
    }
    o += "</table>\n<h2>Prompt versions</h2>";
    for (const json &p : b["prompt_versions"]) {
        o += "<details><summary>";
        esc(o,
            str(p["agent"]) + " v" + str(p["version"]) + " · " + str(p["model"]) + " · created "
                + str(p["created_at"]) + " by " + str(p["created_by"]));
        o += "</summary>";
        payload(o, "body", p["body"]);
        o += "</details>";
    }
    o += "<h2>Process events of the session's hosts (±5 min)</h2><table><tr><th>at</th>"
         "<th>host</th><th>app</th><th>pm_id</th><th>event</th><th>detail</th></tr>";
    for (const json &e : b["process_events"]) {
        o += "<tr class=\"proc\">";
        for (const char *k : {"at", "host", "app", "pm_id", "event", "detail"}) {
            o += "<td class=\"mono\">";
            esc(o, str(e[k]));
            o += "</td>";
        }
        o += "</tr>";
    }
    o += "</table>\n</body></html>\n";
    return QByteArray(o.data(), qsizetype(o.size()));
}

} // namespace switchboard
