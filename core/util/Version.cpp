#include <QString>
namespace switchboard {
QString versionString()
{
    return QStringLiteral(SWITCHBOARD_VERSION);
}
} // namespace switchboard
