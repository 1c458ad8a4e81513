// Linked with every object of models/ (whole archive) and core_types alone: the link
// fails when a model calls into core_io (cmake/LayerCheck.cmake). Never run.
int main()
{
    return 0;
}
