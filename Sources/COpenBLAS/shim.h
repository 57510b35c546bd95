#include <cblas.h>
// OpenBLAS extensions: thread control for --threads.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// The kernel family OpenBLAS picked for this CPU (or OPENBLAS_CORETYPE), e.g. "Haswell", "SkylakeX".
char *openblas_get_corename(void);
// Stops OpenBLAS's worker threads; the next call that splits work across threads starts them again
// (the same path OpenBLAS takes after a fork).
void blas_thread_shutdown_(void);
// LAPACK's symmetric eigensolver, which libopenblas carries itself (Fortran interface: arguments by
// address, column-major, and a hidden length after the two character arguments). Calling it here
// instead of through liblapacke keeps Debian's liblapacke, liblapack and libblas, two more copies of
// OpenBLAS that each start their own threads when they load, out of every `probe` process.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_length, size_t uplo_length);
