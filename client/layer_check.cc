// Linked against one client library as a whole archive and only the layers it
// may use (client/CMakeLists.txt): the build fails if the layer reaches above
// itself. Never run.
int main() { return 0; }
