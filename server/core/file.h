/*
 * file — reading a whole file, for start-up only (a blocking read; never on the loop).
 */
#ifndef CHATD_CORE_FILE_H
#define CHATD_CORE_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/attr.h"

/* Reads the file at `path` into a fresh heap buffer with a NUL after its last byte (the caller
 * xfree()s *out); *len (may be NULL) gets the byte count, NULs inside included. False, with
 * errno set and *out untouched, when it cannot be opened or read. */
MUSTCHECK bool file_read_all(const char *path, char **out, size_t *len);

#endif
