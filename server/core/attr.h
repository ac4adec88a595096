/*
 * attr — compiler attributes shared by every module.
 *
 * MUSTCHECK marks a fallible function whose result says whether it worked (a bool, an err_t, a
 * pointer that may be NULL): ignoring it is a compile error under -Werror. Put it on every such
 * public function; a caller that truly does not care casts the call to (void) and says why.
 */
#ifndef CHATD_CORE_ATTR_H
#define CHATD_CORE_ATTR_H

#define MUSTCHECK __attribute__((warn_unused_result))

#endif
