#pragma once
// Connection profiles in QSettings (one group per profile). The QSettings is handed in,
// so tests use a file in a temp dir and the app uses the user's settings.
#include "core/services/ConnectionProfile.h"

#include <optional>

class QSettings;

namespace switchboard {

class ProfileStore
{
public:
    explicit ProfileStore(QSettings &settings);

    QStringList names() const; // sorted
    std::optional<ConnectionProfile> load(const QString &name) const;
    // Refuses (returns false, *error) a profile that fails validate().
    bool save(const ConnectionProfile &profile, QString *error);
    bool remove(const QString &name);

    QString lastUsed() const;
    void setLastUsed(const QString &name);

private:
    static QString group(const QString &name);
    QSettings &m_settings;
};

} // namespace switchboard
