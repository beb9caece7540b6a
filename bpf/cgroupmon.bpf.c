// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroupmon: per-cgroup counters for ztsdb's eBPF collector.
 *
 * One per-CPU hash map, cgroup_metrics_map, keyed by a cgroup v2 id (the
 * inode number of the cgroup's directory in the v2 hierarchy). User space
 * registers a cgroup by inserting a zeroed value under its id; the programs
 * here only add to entries that exist, so the map holds exactly the cgroups
 * the collector watches and never fills with the host's other cgroups.
 *
 * An event is charged to the nearest registered cgroup on the path from the
 * event's own cgroup up to (not including) the root: a process in a nested
 * child cgroup of a container counts towards the container, and because every
 * event is charged once, to one cgroup, nothing is counted twice. (The skb
 * programs run once per attachment along the socket's path; user space keeps
 * at most one attachment on any root-to-leaf path, see libs/ebpf.)
 *
 * Value layout: docs/format/cgroup-metrics.md. Build: bpf/build.sh.
 */
#include "cgroupmon.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* The eleven u64 fields; keep in step with docs/format/cgroup-metrics.md and libs/ebpf. */
struct CgroupMetrics {
	__u64 cpu_time_ns;          /* on-CPU time of the cgroup's tasks */
	__u64 mapped_bytes;         /* sum of the len argument of mmap(2) calls */
	__u64 mmap_calls;           /* number of mmap(2) calls */
	__u64 rx_bytes;             /* bytes received (skb->len at cgroup ingress: L3 and up) */
	__u64 tx_bytes;             /* bytes sent (skb->len at cgroup egress: L3 and up) */
	__u64 rx_packets;           /* skbs received (a GRO/TSO skb counts once) */
	__u64 tx_packets;           /* skbs sent */
	__u64 sched_switches;       /* times one of its tasks was switched out */
	__u64 involuntary_switches; /* of those, times the task was still runnable (preempted, yielded) */
	__u64 reserved;             /* always zero; keeps the layout at eleven fields */
	__u64 timestamp;            /* bpf_ktime_get_ns() of the last update on this CPU (see sched_switch) */
};

/* sched_switch refreshes the timestamp on every this-many switches of a cgroup on a CPU (a power of two). */
#define TIMESTAMP_EVERY_SWITCHES 16

/* sched_switch's prev_state for a task preempted in kernel mode. */
#define TASK_REPORT_MAX 0x100

/* Deepest ancestor level searched for a registered cgroup (root is level 0). */
#define MAX_CGROUP_LEVEL 16

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct CgroupMetrics);
} cgroup_metrics_map SEC(".maps");

/*
 * Per CPU: the switch clock (see switch_clock) at the last sched_switch seen
 * on that CPU (0: none yet).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} last_switch_ns SEC(".maps");

/*
 * "Now" for slicing CPU time, read at sched_switch: the runqueue's task clock
 * (rq->clock_task), which __schedule() has just updated and from which the
 * kernel itself accounts sum_exec_runtime and cpu.stat (it leaves out IRQ and
 * steal time where the kernel accounts those apart). Reaching it through the
 * current task costs three loads, against ~40 ns for bpf_ktime_get_ns() on a
 * VM. Kernels without CONFIG_FAIR_GROUP_SCHED lack se.cfs_rq: ktime there.
 * Only differences on one CPU are used, so the two clocks are never mixed.
 */
static __always_inline __u64 switch_clock(void)
{
	if (bpf_core_field_exists(struct sched_entity, cfs_rq)) {
		struct task_struct *task = bpf_get_current_task_btf();

		return task->se.cfs_rq->rq->clock_task;
	}
	return bpf_ktime_get_ns();
}

/* The entry of the current task's cgroup or of its nearest registered ancestor. */
static __always_inline struct CgroupMetrics *current_metrics(void)
{
	__u64 id = bpf_get_current_cgroup_id();
	struct CgroupMetrics *m = bpf_map_lookup_elem(&cgroup_metrics_map, &id);
	struct CgroupMetrics *found = 0;

	if (m)
		return m;
	/* Top-down over the ancestors strictly between the root and the task's cgroup; the deepest hit wins. */
	for (int level = 1; level < MAX_CGROUP_LEVEL; level++) {
		__u64 anc = bpf_get_current_ancestor_cgroup_id(level);

		if (anc == 0 || anc == id)
			break;
		m = bpf_map_lookup_elem(&cgroup_metrics_map, &anc);
		if (m)
			found = m;
	}
	return found;
}

/* Same as current_metrics() for the cgroup of the skb's socket. */
static __always_inline struct CgroupMetrics *skb_metrics(struct __sk_buff *skb)
{
	__u64 id = bpf_skb_cgroup_id(skb);
	struct CgroupMetrics *m, *found = 0;

	if (id == 0)
		return 0;
	m = bpf_map_lookup_elem(&cgroup_metrics_map, &id);
	if (m)
		return m;
	for (int level = 1; level < MAX_CGROUP_LEVEL; level++) {
		__u64 anc = bpf_skb_ancestor_cgroup_id(skb, level);

		if (anc == 0 || anc == id)
			break;
		m = bpf_map_lookup_elem(&cgroup_metrics_map, &anc);
		if (m)
			found = m;
	}
	return found;
}

SEC("tp/sched/sched_switch")
int handle_sched_switch(struct trace_event_raw_sched_switch *ctx)
{
	__u32 zero = 0;
	__u64 now = switch_clock();
	__u64 *last = bpf_map_lookup_elem(&last_switch_ns, &zero);
	struct CgroupMetrics *m;
	__u64 start;

	if (!last || now == 0) /* 0: the pointer chain faulted; keep the old start */
		return 0;
	start = *last;
	*last = now;
	if (now < start) /* cannot happen for one CPU's clock; never charge a wrapped slice */
		return 0;
	/* The first slice after attach has no start; the idle task belongs to no cgroup. */
	if (start == 0 || ctx->prev_pid == 0)
		return 0;
	/* Still current here: the outgoing task's cgroup gets the slice. */
	m = current_metrics();
	if (!m)
		return 0;
	/* sched_switch runs with the runqueue lock held and interrupts off: plain adds are safe. */
	m->cpu_time_ns += now - start;
	m->sched_switches += 1;
	/*
	 * Involuntary as /proc/<pid>/status counts it: still runnable (0, e.g.
	 * preempted on return to user space) or preempted in the kernel, which
	 * the tracepoint reports as TASK_REPORT_MAX (0x100 since Linux 4.14).
	 */
	if (ctx->prev_state == 0 || ctx->prev_state == TASK_REPORT_MAX)
		m->involuntary_switches += 1;
	/* bpf_ktime_get_ns() costs as much as the rest of this program: refresh on every 16th switch only. */
	if ((m->sched_switches & (TIMESTAMP_EVERY_SWITCHES - 1)) == 1)
		m->timestamp = bpf_ktime_get_ns();
	return 0;
}

SEC("tp/syscalls/sys_enter_mmap")
int handle_mmap(struct trace_event_raw_sys_enter *ctx)
{
	struct CgroupMetrics *m = current_metrics();

	if (!m)
		return 0;
	/* Fields no interrupt-context program touches: plain adds are safe. */
	m->mapped_bytes += ctx->args[1];
	m->mmap_calls += 1;
	m->timestamp = bpf_ktime_get_ns();
	return 0;
}

/* Egress may be interrupted by softirq egress on the same CPU: atomic adds. */
SEC("cgroup_skb/ingress")
int handle_ingress(struct __sk_buff *skb)
{
	struct CgroupMetrics *m = skb_metrics(skb);

	if (m) {
		__sync_fetch_and_add(&m->rx_bytes, skb->len);
		__sync_fetch_and_add(&m->rx_packets, 1);
		m->timestamp = bpf_ktime_get_ns();
	}
	return 1;
}

SEC("cgroup_skb/egress")
int handle_egress(struct __sk_buff *skb)
{
	struct CgroupMetrics *m = skb_metrics(skb);

	if (m) {
		__sync_fetch_and_add(&m->tx_bytes, skb->len);
		__sync_fetch_and_add(&m->tx_packets, 1);
		m->timestamp = bpf_ktime_get_ns();
	}
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
