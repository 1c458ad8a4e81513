// models are added by the view issues; this keeps the static library non-empty.
namespace switchboard::models {
int placeholderSymbol()
{
    return 0;
}
} // namespace switchboard::models
