#pragma once
// One span's payloads, loaded when the span is opened: attributes, the full error, the
// first part of input and output, the assembled prompt a model call refers to, and the
// process events of its host around that time. A payload larger than one part stays on
// the server until "show all" asks for it, then comes in parts (substr() chunks, one
// query each) so neither the worker nor the GUI ever holds a 64 MiB string at once.
// Payloads are untrusted: broken JSON is reported as such, never thrown.
#include "core/contract/ProcessEvent.h"
#include "core/pg/JobTracker.h"

#include <QVector>

#include <functional>
#include <memory>

namespace pqxx {
class transaction_base;
}

namespace switchboard {

struct PayloadText
{
    QString head; // the first kHeadChars characters
    qint64 totalChars = 0; // -1 = NULL
    bool complete() const { return totalChars <= head.size(); }
    // Set when the whole payload was loaded and looks like JSON: parsed or why not.
    std::shared_ptr<const nlohmann::json> json;
    QString jsonError; // "not valid JSON: …" (empty when valid or not JSON-looking)
};

struct SpanPayload
{
    QString spanId;
    bool found = false;
    PayloadText input;
    PayloadText output;
    QString attrs; // jsonb as text
    QString error;
    QString errorType;
    QString promptSpanId; // a model call's assembled prompt lives on this span
    PayloadText prompt;
    QVector<ProcessEvent> processEvents;
    QStringList badProcessEvents;
};

class PayloadLoader
{
public:
    static constexpr int kHeadChars = 128 * 1024;
    static constexpr int kChunkChars = 1024 * 1024;
    static constexpr int kJsonParseMax = 4 * 1024 * 1024; // bigger: shown as text only
    static constexpr qint64 kProcessEventWindowMs = 5 * 60 * 1000;

    enum class Which { Input, Output };

    using OpenCallback = std::function<void(const PgStatus &, const SpanPayload &)>;
    // offset counts characters from 0; last is true for the final part.
    using PartCallback
        = std::function<void(const PgStatus &, qint64 offset, const QString &part, bool last)>;

    PayloadLoader(PgPool *pool, QObject *context);
    // host/startMs/endMs pick the process events shown next to the span.
    void open(const QString &spanId, const QString &host, qint64 startMs, qint64 endMs,
              OpenCallback done);
    // Loads [from, total) in parts, calling part once per chunk, until done or superseded
    // by another fetchRest/open.
    void fetchRest(const QString &spanId, Which which, qint64 from, qint64 total,
                   PartCallback part);
    void cancel();

    // Worker side.
    static SpanPayload fetch(pqxx::transaction_base &tx, const QString &spanId, const QString &host,
                             qint64 startMs, qint64 endMs);
    static QString fetchPart(pqxx::transaction_base &tx, const QString &spanId, Which which,
                             qint64 offset, int chars);
    // Parses text that looks like JSON; sets json or jsonError.
    static void checkJson(PayloadText &payload);

private:
    void nextPart(const QString &spanId, Which which, qint64 from, qint64 total,
                  std::shared_ptr<PartCallback> part);
    JobTracker m_open;
    JobTracker m_rest;
};

} // namespace switchboard
