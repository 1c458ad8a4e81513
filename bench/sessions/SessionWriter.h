#pragma once
// The agents' side of Bench 1, on its own thread with a blocking hiredis connection (so
// its work never shows as a stall of the console's event loop): writes N session hashes
// plus the sessions zset, then every second changes a given share of them (HSET of the
// fields a turn changes + ZADD of the new score), pipelined.
#include <QByteArray>
#include <QString>

#include <atomic>
#include <thread>

namespace switchboard::bench {

class SessionWriter
{
public:
    SessionWriter(QString host, int port, QByteArray ns, int sessions, double changeShare);
    ~SessionWriter();

    bool populate(QString *error); // blocking, before the run
    void start(); // changes every second until stop()
    void stop();
    quint64 changesWritten() const { return m_changes.load(); }
    // The writer thread (after start()), for bench::CpuPlacement::pinLoadThread.
    std::thread::native_handle_type threadHandle() { return m_thread.native_handle(); }

private:
    void loop();

    QString m_host;
    int m_port;
    QByteArray m_ns;
    int m_sessions;
    double m_share;
    std::atomic<bool> m_stop {false};
    std::atomic<quint64> m_changes {0};
    std::thread m_thread;
};

} // namespace switchboard::bench
