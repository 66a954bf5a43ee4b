/* SPDX-License-Identifier: GPL-2.0 */
/* The one logging/error helper: every message goes through log_msg(). */
#ifndef RTG_LOG_H
#define RTG_LOG_H

enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(int level);
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Exit codes (doc/rtguard.8, EXIT STATUS). */
#define RTG_EXIT_OK 0
#define RTG_EXIT_INPUT 1 /* bad policy, bad flags */
#define RTG_EXIT_KERNEL 2 /* kernel or privilege problem */

#endif
