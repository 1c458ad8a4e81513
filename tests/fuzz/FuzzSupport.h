#pragma once
// Shared by the libFuzzer targets (tests/fuzz, SWITCHBOARD_FUZZ=ON; scripts/fuzz.sh runs
// them). A broken invariant aborts with a message, which libFuzzer reports as a crash and
// saves the input, like a sanitizer finding.
#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace switchboard::fuzz {

[[noreturn]] inline void fail(const char *file, int line, const char *what, const QString &detail)
{
    std::fprintf(stderr, "\n*** fuzz invariant broken at %s:%d: %s\n%s\n", file, line, what,
                 detail.toUtf8().constData());
    std::fflush(stderr);
    std::abort();
}

// The fuzzer's bytes, shared (not copied) as a QByteArray.
inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
}

// Splits "header\nrest" at the first newline; no newline: everything is the header.
inline void splitHeader(const QByteArray &input, QByteArray *header, QByteArray *rest)
{
    const qsizetype nl = input.indexOf('\n');
    *header = nl < 0 ? input : input.left(nl);
    *rest = nl < 0 ? QByteArray() : input.mid(nl + 1);
}

} // namespace switchboard::fuzz

#define FUZZ_CHECK(cond, detail)                                                                   \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ::switchboard::fuzz::fail(__FILE__, __LINE__, #cond, (detail));                        \
    } while (false)
