#include <cblas.h>
// OpenBLAS extensions: thread control for --threads.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// The kernel family OpenBLAS picked for this CPU (or OPENBLAS_CORETYPE), e.g. "Haswell", "SkylakeX".
char *openblas_get_corename(void);
// Stops OpenBLAS's worker threads; the next call that splits work across threads starts them again
// (the same path OpenBLAS takes after a fork).
void blas_thread_shutdown_(void);
