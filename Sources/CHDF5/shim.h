// libhdf5 (Debian libhdf5-dev, the serial build: headers in /usr/include/hdf5/serial, library
// libhdf5_serial.so), for reading Keras weight files. Its type and property-list constants are
// macros that Swift cannot import, so they are wrapped in inline functions here.
#include <hdf5/serial/hdf5.h>

static inline hid_t probe_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t probe_h5s_all(void) { return H5S_ALL; }
static inline unsigned probe_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline hid_t probe_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t probe_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t probe_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t probe_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t probe_h5t_variable(void) { return H5T_VARIABLE; }

/// Turns off libhdf5's own error printing (to stderr) for the default error stack: Probe reports
/// every failure itself, in one line.
static inline void probe_h5_silence(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
