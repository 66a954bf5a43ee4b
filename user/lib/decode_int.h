/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the decoder (decode.h): the steps decode.c takes for every
 * record, shared with decode_more.c, which decodes the records of the
 * types after connect (struct rtg_more, bpf/events.h).
 */
#ifndef RTG_DECODE_INT_H
#define RTG_DECODE_INT_H

#include "decode.h"

/* The string buffer holds at least size bytes: 0 or -ENOMEM. */
int decoder_reserve(struct decoder *d, size_t size);
/* s[0..n) up to its first NUL, copied into the buffer at *off. */
const char *decoder_take_str(struct decoder *d, size_t *off, const char *s,
			     size_t n);
/* n bytes of src copied into the buffer at *off (keep *off aligned for
 * what is copied). */
void *decoder_take(struct decoder *d, size_t *off, const void *src, size_t n);
/* The cached process pid when it is the image started at exec_ktime. */
const struct rtg_proc_info *decoder_find_proc(struct decoder *d, uint32_t pid,
					      uint64_t exec_ktime);
/* The view of a record's header (the view starts here). */
void decoder_fill(struct decoder *d, const struct rtg_hdr *h,
		  struct rtg_event_view *out);
/* The process, parent and container of the view. */
void decoder_resolve(struct decoder *d, const struct rtg_hdr *h,
		     struct rtg_event_view *out);

/* A process the cache has not seen, which h says is a fork of an image it
 * knows (pid, ppid, exec_ktime, parent_exec_ktime): learnt, or NULL. */
const struct rtg_proc_info *decoder_learn_fork(struct decoder *d,
					       const struct rtg_hdr *h);

/* decode_more.c: a struct rtg_more record; -EINVAL for any other type. */
int decode_more(struct decoder *d, const void *data, size_t size,
		struct rtg_event_view *out);

#endif
