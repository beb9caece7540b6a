/** One line of /proc/<pid>/mountinfo (proc(5)), the fields ztsdb needs. */
export interface MountEntry {
  /** Path inside the mounted filesystem that is the mount's root (`/` unless bind- or namespace-mounted). */
  root: string;
  mountPoint: string;
  fsType: string;
  /** Per-superblock options; for cgroup v1 they name the controllers (`rw,memory`). */
  superOptions: string[];
}

/** Undoes the octal escapes (`\040` for a space) the kernel writes in paths. */
function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses mountinfo text. Lines that do not have the documented shape are skipped. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 4) continue;
    out.push({
      root: unescapeMountPath(fields[3]!),
      mountPoint: unescapeMountPath(fields[4]!),
      fsType: fields[sep + 1]!,
      superOptions: fields[sep + 3]!.split(','),
    });
  }
  return out;
}
