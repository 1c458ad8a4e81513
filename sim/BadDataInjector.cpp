#include "sim/BadDataInjector.h"

namespace switchboard::sim {

namespace {
const std::size_t kHugeValue = 5 * 1024 * 1024;

void removeField(FieldList &f, const std::string &name)
{
    for (auto it = f.begin(); it != f.end(); ++it) {
        if (it->first == name) {
            f.erase(it);
            return;
        }
    }
}
void setField(FieldList &f, const std::string &name, std::string value)
{
    for (auto &kv : f) {
        if (kv.first == name) {
            kv.second = std::move(value);
            return;
        }
    }
    f.emplace_back(name, std::move(value));
}
std::string binary()
{
    return std::string("\xff\xfe\x00\x81 bin\xc3\x28", 10);
}
} // namespace

BadDataInjector::BadDataInjector(const SimRandom &root, double share)
    : m_rng(root.fork("bad-data"))
    , m_share(share)
{ }

bool BadDataInjector::corruptHash(SimRecord &r)
{
    // Fields whose corruption any parser must notice: required, typed, enum, capped.
    const std::string required = r.type == "session" ? "agent" : "host";
    const std::string integer = r.type == "session" ? "ctx_tokens" : "restarts";
    const std::string enumField = r.type == "session" ? "state" : "status";
    const std::string capped = r.type == "session" ? "model" : "app";
    switch (m_rng.range(0, 4)) {
    case 0:
        removeField(r.fields, required);
        r.badReason = "field " + required + " is missing";
        break;
    case 1:
        setField(r.fields, integer, "lots");
        r.badReason = "field " + integer + " is not an integer";
        break;
    case 2:
        setField(r.fields, enumField, "zombie");
        r.badReason = "field " + enumField + " has an unknown value";
        break;
    case 3:
        setField(r.fields, capped, std::string(kHugeValue, 'x'));
        r.badReason = "field " + capped + " is 5 MiB, over the cap";
        break;
    default:
        setField(r.fields, required, binary());
        r.badReason = "field " + required + " is binary, not UTF-8 (binary key)";
        return true;
    }
    return false;
}

void BadDataInjector::corruptStream(SimRecord &r)
{
    const bool isEvent = r.type == "event";
    switch (m_rng.range(0, 4)) {
    case 0:
        removeField(r.fields, "at");
        r.badReason = "field at is missing";
        break;
    case 1:
        setField(r.fields, "at", "yesterday");
        r.badReason = "field at is not an integer";
        break;
    case 2:
        setField(r.fields, isEvent ? "kind" : "event", "teleported");
        r.badReason = "enum field has an unknown value";
        break;
    case 3:
        if (isEvent) {
            setField(r.fields, "detail", "{\"tool\": \"lookup_order\", \"rows\": [1, 2");
            r.badReason = "field detail is not valid JSON";
        } else {
            setField(r.fields, "host", binary());
            r.badReason = "field host is binary, not UTF-8";
        }
        break;
    default:
        setField(r.fields, "host", std::string(kHugeValue, 'h'));
        r.badReason = "field host is 5 MiB, over the cap";
        break;
    }
}

void BadDataInjector::apply(TickContext &ctx)
{
    const std::size_t n = ctx.out->size();
    for (std::size_t i = 0; i < n; ++i) {
        const SimRecord &good = (*ctx.out)[i];
        const bool candidate = good.type == "session" || good.type == "proc" || good.type == "event"
            || good.type == "proc-event" || good.type == "ctx";
        if (!candidate || !m_rng.chance(m_share))
            continue;
        SimRecord bad = good;
        if (good.type == "session" || good.type == "proc" || good.type == "ctx") {
            // A fresh identity that looks like a real one.
            const std::string fresh = good.type == "proc"
                ? ""
                : "s-" + m_rng.hex(8) + '-' + m_rng.hex(4) + '-' + m_rng.hex(12);
            std::string member;
            if (good.type == "proc") {
                member = "agent-host-" + m_rng.hex(2)
                    + ":ghost-agent:" + std::to_string(m_rng.range(0, 9));
                bad.key = ctx.encoder->ns() + "proc:" + member;
            } else {
                member = fresh;
                bad.key = ctx.encoder->sessionKey(fresh);
            }
            if (good.type == "ctx") {
                // Good hash, broken composition: the session row is fine, the ctx is not.
                bad.key = ctx.encoder->sessionCtxKey(fresh);
                if (m_rng.chance(0.5)) {
                    bad.payload = good.payload.substr(0, good.payload.size() / 2);
                    bad.badReason = "context JSON is truncated";
                } else {
                    bad.payload = "{\"limit\": \"big\", \"segments\": {}}";
                    bad.badReason = "context JSON has wrong types";
                }
                // Its session hash: copy the latest good one for this session if any.
                for (std::size_t j = 0; j < n; ++j) {
                    const SimRecord &h = (*ctx.out)[j];
                    if (h.type == "session" && h.key + ":ctx" == good.key) {
                        SimRecord hash = h;
                        hash.key = ctx.encoder->sessionKey(fresh);
                        ctx.out->push_back(std::move(hash));
                        break;
                    }
                }
            } else if (corruptHash(bad)) {
                // Binary key: the member and key carry non-UTF-8 bytes too.
                member += binary();
                // Raw bytes: Keys takes QString, which would replace the invalid UTF-8.
                bad.key = ctx.encoder->ns() + (good.type == "proc" ? "proc:" : "session:") + member;
            }
            m_bad.push_back({good.type, bad.key, "", bad.badReason});
            ctx.out->push_back(std::move(bad));
            SimRecord z;
            z.op = SimRecord::Op::ZAdd;
            z.type = good.type == "proc" ? "procs" : "sessions";
            z.key = good.type == "proc" ? ctx.encoder->procsKey() : ctx.encoder->sessionsKey();
            z.id = member;
            z.score = static_cast<double>(ctx.nowMs);
            ctx.out->push_back(std::move(z));
            continue;
        }
        bad.id = ctx.streamIds->next(bad.key, ctx.nowMs);
        corruptStream(bad);
        m_bad.push_back({good.type, bad.key, bad.id, bad.badReason});
        ctx.out->push_back(std::move(bad));
    }
}

} // namespace switchboard::sim
