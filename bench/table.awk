# Prints the benchmark table from bench/out/measurements ("KEY VALUE" per
# run) and bench/out/rows (bench_row and bench_check lines, see lib.sh).
# Usage: awk -f table.awk measurements rows

function median(list,    n, v, i, j, t) {
    n = split(list, v, " ")
    if (n == 0)
        return ""
    for (i = 2; i <= n; i++)            # insertion sort: a handful of runs
        for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
            t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
        }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}

function fmt(x) {
    if (x == "")
        return "-"
    x += 0
    if (x >= 100) return sprintf("%.0f", x)
    if (x >= 10) return sprintf("%.1f", x)
    return sprintf("%.2f", x)
}

function runs(list,    n, v, i, s) {
    n = split(list, v, " ")
    s = ""
    for (i = 1; i <= n; i++)
        s = s (i > 1 ? " " : "") fmt(v[i])
    return "[" s "]"
}

# The ratio of act_pg to its baseline: the median of the ratios of the
# runs taken side by side (run i of each), which a slow spell of the
# machine hits alike; the ratio of the medians when the run counts differ.
# For times (lower is better) the baseline over act_pg. Sets `pairs`.
function ratio_of(act, base, time,    n, m, a, b, i, list) {
    n = split(act, a, " ")
    m = split(base, b, " ")
    pairs = ""
    if (n == 0 || m == 0)
        return ""
    if (n != m) {
        i = time ? median(base) / median(act) : median(act) / median(base)
        return i
    }
    list = ""
    for (i = 1; i <= n; i++) {
        r = time ? b[i] / a[i] : a[i] / b[i]
        list = list (i > 1 ? " " : "") r
        pairs = pairs (i > 1 ? " " : "") sprintf(r >= 100 ? "%.0f" : "%.2f", r)
    }
    pairs = "[" pairs "]"
    return median(list)
}

# "met" when ratio satisfies target (">=0.8" or ">1").
function verdict(ratio, target,    op, bound) {
    if (target == "")
        return ""
    if (ratio == "")
        return target " ?"
    op = substr(target, 1, 2) == ">=" ? ">=" : ">"
    bound = substr(target, length(op) + 1) + 0
    return target " " ((op == ">=" ? ratio >= bound : ratio > bound) ? "met" : "MISSED")
}

FILENAME == ARGV[1] {
    values[$1] = (($1 in values) ? values[$1] " " : "") $2
    next
}

{
    split($0, f, "|")
    if (!header) {
        printf "%-38s %-9s %-15s %-38s %-20s %-38s %-33s %s\n", "case", "unit", "act_pg", "median [runs]",
               "baseline", "median [runs]", "ratio [run by run]", "target"
        header = 1
    }
    if (f[1] == "row") {
        a = median(values[f[5]])
        if (substr(f[7], 1, 1) == "=") {
            # A fixed figure (documented, not measured here): each run's
            # ratio is against it.
            b = substr(f[7], 2)
            base = b; n = split(values[f[5]], v, " ")
            for (i = 2; i <= n; i++)
                base = base " " b
            shown = fmt(b) " (fixed)"
        } else {
            base = values[f[7]]
            b = median(base)
            shown = fmt(b) " " runs(base)
        }
        ratio = ratio_of(values[f[5]], base, f[3] ~ /^(ms|s|us)$/)
        printf "%-38s %-9s %-15s %-38s %-20s %-38s %-33s %s\n", f[2], f[3], f[4],
               fmt(a) " " runs(values[f[5]]), f[6], shown,
               (ratio == "" ? "-" : sprintf(ratio >= 100 ? "%.0f" : "%.3f", ratio)) " " pairs, verdict(ratio, f[8])
    } else if (f[1] == "check") {
        printf "%-38s %-9s %-148s %s\n", f[2], "check", f[3], f[4]
    }
}
