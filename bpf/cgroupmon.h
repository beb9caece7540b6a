/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The few kernel types cgroupmon.bpf.c reads, written by hand instead of a
 * generated vmlinux.h. Each struct carries preserve_access_index, so clang
 * emits CO-RE relocations and libbpf fixes the field offsets against the
 * running kernel's BTF (/sys/kernel/btf/vmlinux) at load time. Field names
 * must match the kernel's; fields we never read may be left out.
 */
#ifndef CGROUPMON_H
#define CGROUPMON_H

#include <linux/types.h>
#include <linux/bpf.h>

typedef int pid_t;

struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
} __attribute__((preserve_access_index));

/* Context of tp/sched/sched_switch. */
struct trace_event_raw_sched_switch {
	struct trace_entry ent;
	char prev_comm[16];
	pid_t prev_pid;
	int prev_prio;
	long prev_state;
	char next_comm[16];
	pid_t next_pid;
	int next_prio;
} __attribute__((preserve_access_index));

/* Context of tp/syscalls/sys_enter_*: args[i] is the i-th syscall argument. */
struct trace_event_raw_sys_enter {
	struct trace_entry ent;
	long id;
	unsigned long args[6];
} __attribute__((preserve_access_index));

/*
 * The scheduler's clock of a runqueue, reached from a task as
 * task->se.cfs_rq->rq->clock_task (se.cfs_rq exists with
 * CONFIG_FAIR_GROUP_SCHED; cgroupmon.bpf.c checks and falls back).
 */
struct rq {
	__u64 clock_task;
} __attribute__((preserve_access_index));

struct cfs_rq {
	struct rq *rq;
} __attribute__((preserve_access_index));

struct sched_entity {
	struct cfs_rq *cfs_rq;
} __attribute__((preserve_access_index));

struct task_struct {
	struct sched_entity se;
} __attribute__((preserve_access_index));

#endif
