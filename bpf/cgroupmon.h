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
 * The runqueue of a CPU, reached from its current task through
 * task->se.cfs_rq->rq (se.cfs_rq exists with CONFIG_FAIR_GROUP_SCHED;
 * cgroupmon.bpf.c checks). clock_task: the clock the kernel charges run time
 * from (sum_exec_runtime, cpu.stat; it leaves out steal time and, with
 * CONFIG_IRQ_TIME_ACCOUNTING, IRQ time). clock: the plain runqueue clock.
 * nr_switches: context switches of the CPU, incremented just before
 * sched_switch fires.
 */
struct rq {
	__u64 nr_switches;
	__u64 clock;
	__u64 clock_task;
} __attribute__((preserve_access_index));

struct cfs_rq {
	struct rq *rq;
} __attribute__((preserve_access_index));

/*
 * sum_exec_runtime: the task's CPU time as the kernel accounts it (the same
 * deltas feed the cgroup's cpu.stat), kept by every class. prev_sum_exec_runtime:
 * its value when the fair class last picked the task to run (set_next_entity);
 * other classes leave it alone, so for them it is stale.
 */
struct sched_entity {
	struct cfs_rq *cfs_rq;
	__u64 sum_exec_runtime;
	__u64 prev_sum_exec_runtime;
} __attribute__((preserve_access_index));

/* CONFIG_SCHED_INFO: last_arrival is rq->clock when the task was last switched in (any class). */
struct sched_info {
	__u64 last_arrival;
} __attribute__((preserve_access_index));

/* A cgroup's id is its kernfs node id (the directory's inode number); the root is level 0. */
struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
	int level;
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct css_set {
	struct cgroup *dfl_cgrp; /* the task's cgroup in the v2 hierarchy */
} __attribute__((preserve_access_index));

struct task_struct {
	struct sched_entity se;
	struct sched_info sched_info;
	struct css_set *cgroups;
} __attribute__((preserve_access_index));

#endif
