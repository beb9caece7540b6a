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
 * Finding that cgroup is cheap in the common case: tasks of the root cgroup
 * and of cgroups shallower than any registered one need no lookup, and other
 * unregistered cgroups hit a resolution cache that user space invalidates
 * with a new generation on every registration change.
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

/* Task priorities below this are real-time or deadline tasks (kernel MAX_RT_PRIO); fair ones are 100–139. */
#define MAX_RT_PRIO 100

/* Deepest ancestor level searched for a registered cgroup (root is level 0). */
#define MAX_CGROUP_LEVEL 16

/* cgroupmon_config.min_level when no cgroup is registered. */
#define NO_LEVEL 0xffffffffu

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct CgroupMetrics);
} cgroup_metrics_map SEC(".maps");

/*
 * Written by user space only (libs/ebpf, CgroupMonitor), one entry. Every
 * registration change writes a new, random generation after changing
 * cgroup_metrics_map, which invalidates every cached resolution; min_level is
 * the lowest cgroup level (root = 0) of any registered cgroup, so tasks in
 * shallower cgroups are skipped without a lookup.
 */
struct Config {
	__u64 generation;
	__u32 min_level;
	__u32 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct Config);
} cgroupmon_config SEC(".maps");

/*
 * Resolution cache: cgroup id → the registered cgroup its events go to (0:
 * none), valid while generation equals cgroupmon_config's. Filled by the
 * ancestor walk for cgroups that are not registered themselves; cgroup ids
 * are never reused, and the LRU drops entries of cgroups long gone.
 */
struct Resolution {
	__u64 generation;
	__u64 target;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct Resolution);
} cgroup_resolution SEC(".maps");

/*
 * Per CPU: the switch-in of a real-time or deadline task (see slice_ns). It
 * holds for that task's next switch-out only if no switch came between:
 * `switches` must be one less than the CPU's count then.
 */
struct SwitchIn {
	__u64 clock;    /* rq->clock_task at the switch-in */
	__u64 switches; /* rq->nr_switches at the switch-in (counts that switch) */
	__u32 pid;
	__u32 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct SwitchIn);
} rt_switch_in SEC(".maps");


/*
 * The registered cgroup to charge for an event in cgroup `id`: `id` itself
 * when registered, else its nearest registered ancestor below the root, from
 * the resolution cache or, on a miss, from a walk over the ancestors (of the
 * current task, or of the skb's socket when `skb` is set) that fills it.
 */
static __always_inline struct CgroupMetrics *resolve(__u64 id, struct Config *cfg,
						     struct __sk_buff *skb)
{
	struct CgroupMetrics *m = bpf_map_lookup_elem(&cgroup_metrics_map, &id);
	struct Resolution *r, fill;

	if (m)
		return m;
	r = bpf_map_lookup_elem(&cgroup_resolution, &id);
	if (r && r->generation == cfg->generation) {
		__u64 target = r->target;

		if (target == 0)
			return 0;
		m = bpf_map_lookup_elem(&cgroup_metrics_map, &target);
		if (m)
			return m;
		/* Unregistered a moment ago; its generation change is on the way: walk again. */
	}
	/*
	 * Read the generation before walking, with a full barrier (an atomic
	 * fetch-add of 0): a registration that the walk does not see yet comes
	 * with a generation written later, which then invalidates this entry.
	 */
	fill.generation = __sync_fetch_and_add(&cfg->generation, 0);
	fill.target = 0;
	for (int level = 1; level < MAX_CGROUP_LEVEL; level++) {
		__u64 anc = skb ? bpf_skb_ancestor_cgroup_id(skb, level)
				: bpf_get_current_ancestor_cgroup_id(level);
		struct CgroupMetrics *a;

		if (anc == 0 || anc == id)
			break;
		a = bpf_map_lookup_elem(&cgroup_metrics_map, &anc);
		if (a) { /* top-down: the deepest hit wins */
			m = a;
			fill.target = anc;
		}
	}
	bpf_map_update_elem(&cgroup_resolution, &id, &fill, BPF_ANY);
	return m;
}

static __always_inline struct Config *config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cgroupmon_config, &zero);
}

/*
 * The entry for an event of the current task, or NULL. Tasks of the root
 * cgroup (level 0: the host's own processes, never a container) and of
 * cgroups shallower than every registered one cost no lookup at all.
 */
static __always_inline struct CgroupMetrics *task_metrics(struct task_struct *task)
{
	struct cgroup *cgrp = task->cgroups->dfl_cgrp;
	__u32 level = cgrp->level;
	struct Config *cfg;

	if (level == 0)
		return 0;
	cfg = config();
	if (!cfg || level < cfg->min_level)
		return 0;
	return resolve(cgrp->kn->id, cfg, 0);
}

/* Same for the cgroup of the skb's socket. */
static __always_inline struct CgroupMetrics *skb_metrics(struct __sk_buff *skb)
{
	__u64 id = bpf_skb_cgroup_id(skb);
	struct Config *cfg;

	if (id == 0)
		return 0;
	cfg = config();
	if (!cfg || cfg->min_level == NO_LEVEL)
		return 0;
	return resolve(id, cfg, skb);
}

/*
 * This CPU's runqueue, through its current task (three loads; no clock read):
 * NULL on kernels without CONFIG_FAIR_GROUP_SCHED, which lack se.cfs_rq.
 */
static __always_inline struct rq *task_rq(struct task_struct *task)
{
	struct cfs_rq *cfs_rq;

	if (!bpf_core_field_exists(struct sched_entity, cfs_rq))
		return 0;
	cfs_rq = task->se.cfs_rq;
	return cfs_rq ? cfs_rq->rq : 0;
}

/*
 * A real-time or deadline task (or one boosted to that) is switched in: note
 * the runqueue's task clock and switch count, since only the fair class keeps
 * the start of a run (see slice_ns). Runs at the switch-in, while the
 * previous task is still current.
 */
static __always_inline void note_rt_switch_in(struct trace_event_raw_sched_switch *ctx)
{
	__u32 zero = 0;
	struct SwitchIn *s = bpf_map_lookup_elem(&rt_switch_in, &zero);
	struct rq *rq;

	if (!s)
		return;
	rq = task_rq(bpf_get_current_task_btf());
	if (!rq) {
		s->pid = 0;
		return;
	}
	s->clock = rq->clock_task;
	s->switches = rq->nr_switches;
	s->pid = ctx->next_pid;
}

/*
 * The run of an outgoing real-time or deadline task whose switch-in was not
 * noted: either it was fair when switched in and changed class while running
 * (sched_setscheduler, priority inheritance), when sum − prev_sum is exactly
 * the run, or its switch-in went unseen (a task that was real-time before the
 * program was attached, a switch the kernel did not report or a missed
 * program run), when prev_sum is stale and sum − prev_sum can be most of the
 * task's lifetime. Both are capped at the run's wall time by the runqueue
 * clock since sched_info.last_arrival (the task's switch-in, any class): exact
 * in the first case, at most the run's steal (and IRQ) time too much in the second.
 * Without CONFIG_SCHED_INFO (or a runqueue) nothing bounds it: nothing is charged.
 */
static __always_inline __u64 unnoted_rt_slice(struct task_struct *task, struct rq *rq)
{
	__u64 sum, start, now, arrival, fair, wall;

	if (!rq || !bpf_core_field_exists(task->sched_info))
		return 0;
	sum = task->se.sum_exec_runtime;
	start = task->se.prev_sum_exec_runtime;
	now = rq->clock;
	arrival = task->sched_info.last_arrival;
	fair = sum > start ? sum - start : 0;
	wall = now > arrival ? now - arrival : 0;
	return fair < wall ? fair : wall;
}

/*
 * CPU time of the run of the outgoing (still current) task that ends now.
 * A task the fair class picked keeps its CPU time at the pick in
 * se.prev_sum_exec_runtime, and __schedule() has just brought
 * se.sum_exec_runtime up to date: the difference is the run, exactly as the
 * kernel accounts it to the task and its cgroup's cpu.stat, with no clock
 * read. Real-time and deadline classes keep no such start: their switch-in was
 * noted (note_rt_switch_in) and the run is the runqueue's task clock since,
 * the same clock and the same interval the kernel charges them
 * (update_curr_rt/dl), so steal time is left out as in cpu.stat. A note holds
 * only for the switch right after it; anything else is unnoted_rt_slice's.
 */
static __always_inline __u64 slice_ns(struct trace_event_raw_sched_switch *ctx,
				      struct task_struct *task)
{
	__u64 sum, start;

	if (ctx->prev_prio < MAX_RT_PRIO) {
		__u32 zero = 0;
		struct SwitchIn *s = bpf_map_lookup_elem(&rt_switch_in, &zero);
		struct rq *rq = task_rq(task);

		if (!s)
			return 0;
		if (rq && s->pid == (__u32)ctx->prev_pid && s->switches + 1 == rq->nr_switches) {
			__u64 now = rq->clock_task;

			s->pid = 0;
			return now > s->clock ? now - s->clock : 0;
		}
		/* Never the fair formula alone: prev_sum is stale for a task the fair class did not pick. */
		return unnoted_rt_slice(task, rq);
	}
	sum = task->se.sum_exec_runtime;
	start = task->se.prev_sum_exec_runtime;
	return sum > start ? sum - start : 0;
}

/* Charges the run of the outgoing task that ends at this switch (it is still current here). */
static __always_inline void charge_prev(struct trace_event_raw_sched_switch *ctx)
{
	struct task_struct *task;
	struct CgroupMetrics *m;

	/* The idle task belongs to no cgroup. */
	if (ctx->prev_pid == 0)
		return;
	task = bpf_get_current_task_btf();
	m = task_metrics(task);
	if (!m)
		return;
	/* sched_switch runs with the runqueue lock held and interrupts off: plain adds are safe. */
	m->cpu_time_ns += slice_ns(ctx, task);
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
}

SEC("tp/sched/sched_switch")
int handle_sched_switch(struct trace_event_raw_sched_switch *ctx)
{
	charge_prev(ctx);
	/* After charge_prev: an outgoing real-time task's own note is read there first. */
	if (ctx->next_prio < MAX_RT_PRIO)
		note_rt_switch_in(ctx);
	return 0;
}

SEC("tp/syscalls/sys_enter_mmap")
int handle_mmap(struct trace_event_raw_sys_enter *ctx)
{
	struct CgroupMetrics *m = task_metrics(bpf_get_current_task_btf());

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
