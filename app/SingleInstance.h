#pragma once
// One console per user and profile: a second `switchboard [--profile X]` asks the running
// one to raise its window and exits 0. The rendezvous is a QLocalServer socket in the
// user's runtime directory ($XDG_RUNTIME_DIR, mode 0700), named by a hash of the user and
// the profile (no secret goes into it). A socket file left behind by a crash answers no
// one and is replaced; a lock file (QLockFile, stale after its owner died) keeps two
// consoles starting at once from both taking over.
#include <QObject>
#include <QString>

class QLocalServer;

namespace switchboard {

class SingleInstance : public QObject
{
    Q_OBJECT
public:
    enum class Claim {
        Primary, // this process now answers for the profile
        Raised, // another console has it and was asked to raise its window
        Failed, // neither: error() says why (the caller runs anyway)
    };

    // profileKey: the profile's name; "" is the default profile (no --profile).
    explicit SingleInstance(QObject *parent = nullptr);
    ~SingleInstance() override;

    // The socket's path for this user and profile.
    static QString socketPath(const QString &profileKey);

    // Asks a running console for profileKey to raise its window (waits up to timeoutMs for
    // its answer); if none answers, listens for profileKey itself, after releasing the
    // profile it held before.
    Claim claim(const QString &profileKey, int timeoutMs = 2000);
    void release();
    QString error() const { return m_error; }

Q_SIGNALS:
    // A second start for the same profile asked for the window.
    void raiseRequested();

private:
    QLocalServer *m_server = nullptr;
    QString m_error;
};

} // namespace switchboard
