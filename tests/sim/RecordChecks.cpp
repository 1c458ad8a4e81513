#include "sim/RecordChecks.h"

#include <QHash>
#include <QStringDecoder>

#include <nlohmann/json.hpp>

namespace switchboard::test {

namespace {

constexpr qsizetype kScalar = 4 * 1024;
constexpr qsizetype kMessage = 16 * 1024;
constexpr qsizetype kDetail = 64 * 1024;
constexpr qsizetype kContext = 8 * 1024 * 1024;

struct Spec
{
    const char *name;
    enum Type { Text, Int, Number, Json, Enum } type;
    bool required;
    QList<QByteArray> allowed = {};
    qsizetype cap = kScalar;
};

bool utf8(const QByteArray &b)
{
    QStringDecoder d(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString s = d.decode(b);
    return !d.hasError() && !b.contains('\0');
}

QString check(const QList<QByteArray> &flat, const QList<Spec> &specs)
{
    QHash<QByteArray, QByteArray> f;
    for (qsizetype i = 0; i + 1 < flat.size(); i += 2)
        f.insert(flat[i], flat[i + 1]);
    for (const Spec &s : specs) {
        const auto it = f.constFind(s.name);
        const QString name = QString::fromLatin1(s.name);
        if (it == f.constEnd()) {
            if (s.required)
                return QStringLiteral("field ") + name + QStringLiteral(" is missing");
            continue;
        }
        const QByteArray &v = *it;
        if (v.size() > s.cap)
            return QStringLiteral("field ") + name + QStringLiteral(" is over the cap");
        if (!utf8(v))
            return QStringLiteral("field ") + name + QStringLiteral(" is not valid UTF-8");
        bool ok = true;
        switch (s.type) {
        case Spec::Text:
            break;
        case Spec::Int:
            v.toLongLong(&ok);
            break;
        case Spec::Number:
            v.toDouble(&ok);
            break;
        case Spec::Json:
            ok = !nlohmann::json::parse(v.constData(), v.constData() + v.size(), nullptr, false).is_discarded();
            break;
        case Spec::Enum:
            ok = s.allowed.contains(v);
            break;
        }
        if (!ok)
            return QStringLiteral("field ") + name + QStringLiteral(" has a bad value");
    }
    return {};
}

} // namespace

QString checkProc(const QList<QByteArray> &flat)
{
    return check(flat, {{"host", Spec::Text, true}, {"app", Spec::Text, true}, {"pm_id", Spec::Int, true},
                        {"pid", Spec::Int, false}, {"layer", Spec::Text, false}, {"namespace", Spec::Text, false},
                        {"status", Spec::Enum, true, {"online", "launching", "stopping", "stopped", "errored"}},
                        {"exec_mode", Spec::Enum, false, {"fork", "cluster"}}, {"instances", Spec::Int, false},
                        {"restarts", Spec::Int, true}, {"unstable_restarts", Spec::Int, false},
                        {"started_at", Spec::Int, false}, {"cpu", Spec::Number, false},
                        {"memory", Spec::Int, false}, {"version", Spec::Text, false},
                        {"heartbeat_at", Spec::Int, true}});
}

QString checkProcEvent(const QList<QByteArray> &flat)
{
    return check(flat, {{"host", Spec::Text, true}, {"app", Spec::Text, true}, {"pm_id", Spec::Int, true},
                        {"event", Spec::Enum, true, {"online", "exit", "restart", "reload", "stop", "exception", "restart_overlimit"}},
                        {"detail", Spec::Text, false, {}, kMessage}, {"at", Spec::Int, true}});
}

QString checkSession(const QList<QByteArray> &flat)
{
    return check(flat, {{"agent", Spec::Text, true}, {"layer", Spec::Text, false}, {"channel", Spec::Text, false},
                        {"host", Spec::Text, true}, {"started_at", Spec::Int, true}, {"updated_at", Spec::Int, true},
                        {"turns", Spec::Int, true}, {"ctx_tokens", Spec::Int, true}, {"ctx_limit", Spec::Int, true},
                        {"summaries", Spec::Int, false}, {"model", Spec::Text, true},
                        {"prompt_version", Spec::Int, false},
                        {"state", Spec::Enum, true, {"active", "idle", "summarizing", "ended"}}});
}

QString checkContext(const QByteArray &json)
{
    if (json.size() > kContext)
        return QStringLiteral("context is over the cap");
    const auto j = nlohmann::json::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    if (j.is_discarded())
        return QStringLiteral("context is not valid JSON");
    if (!j.is_object() || !j.contains("limit") || !j["limit"].is_number_integer() || !j.contains("segments")
        || !j["segments"].is_array())
        return QStringLiteral("context has wrong types");
    for (const auto &s : j["segments"]) {
        if (!s.is_object() || !s.value("tokens", nlohmann::json()).is_number_integer() || !s.contains("kind"))
            return QStringLiteral("segment has wrong types");
        const std::string kind = s["kind"].is_string() ? s["kind"].get<std::string>() : std::string();
        if (kind != "system" && kind != "summary" && kind != "message" && kind != "tool_result" && kind != "retrieval")
            return QStringLiteral("segment kind unknown");
    }
    return {};
}

QString checkEvent(const QList<QByteArray> &flat)
{
    return check(flat, {{"at", Spec::Int, true}, {"session", Spec::Text, true}, {"agent", Spec::Text, true},
                        {"host", Spec::Text, true},
                        {"kind", Spec::Enum, true, {"tool_error", "tool_timeout", "invalid_json", "context_overflow", "model_timeout", "rate_limited", "provider_error", "content_filter", "other"}},
                        {"recoverable", Spec::Enum, true, {"0", "1"}},
                        {"strategy", Spec::Enum, true, {"alternative_tool", "stricter_prompt_retry", "retry", "summarize", "ask_user", "fallback_model", "abort"}},
                        {"outcome", Spec::Enum, true, {"recovered", "failed", "in_progress"}},
                        {"attempt", Spec::Int, false}, {"trace_id", Spec::Text, false}, {"span_id", Spec::Text, false},
                        {"message", Spec::Text, false, {}, kMessage}, {"detail", Spec::Json, false, {}, kDetail}});
}

QString checkActivePrompt(const QList<QByteArray> &flat)
{
    return check(flat, {{"version", Spec::Int, true}, {"model", Spec::Text, true},
                        {"deployment_id", Spec::Int, true}, {"deployed_at", Spec::Int, true}});
}

} // namespace switchboard::test
