// Linked with every object of models/ and widgets/ (whole archive) and core_types alone:
// the link fails when a model or a widget calls into core_io (cmake/LayerCheck.cmake).
// Never run.
int main()
{
    return 0;
}
