//! The programs a simulated container knows.

use super::{Container, Output};
use crate::sim::world::World;

/// Keys a Redis cache holds when warm.
const WARM_KEYS: f64 = 1342.0;
/// Hit ratio of a warm cache.
const WARM_HIT_RATIO: f64 = 0.885;
const MAX_CONNECTIONS: usize = 100;

pub fn not_found(name: &str) -> Output {
    Output::fail(127, format!("sh: {name}: not found\n"))
}

/// One shell line: words split as the shell would, `|` pipelines of the
/// filters below, `&&` and `;` sequences, output redirections ignored.
pub fn run_line(c: &mut Container, line: &str, stdin: Option<&str>) -> Output {
    let Some(words) = shlex::split(line) else {
        return Output::fail(2, "sh: syntax error: unterminated quoted string\n");
    };
    let mut out = Output::default();
    let mut seq: Vec<Vec<String>> = vec![vec![]];
    let mut ops = vec![];
    for w in words {
        if w == "&&" || w == ";" || w == "||" {
            ops.push(w);
            seq.push(vec![]);
        } else if let Some(last) = seq.last_mut() {
            last.push(w);
        }
    }
    for (i, cmd) in seq.into_iter().enumerate() {
        if i > 0 {
            let op = ops[i - 1].as_str();
            if (op == "&&" && out.code != 0) || (op == "||" && out.code == 0) {
                continue;
            }
        }
        if cmd.is_empty() {
            continue;
        }
        let r = pipeline(c, &cmd, stdin);
        out.append(r);
    }
    out
}

fn pipeline(c: &mut Container, words: &[String], stdin: Option<&str>) -> Output {
    let mut stages: Vec<Vec<String>> = vec![vec![]];
    for w in words {
        if w == "|" {
            stages.push(vec![]);
        } else if let Some(last) = stages.last_mut() {
            last.push(w.clone());
        }
    }
    let mut input = stdin.map(str::to_string);
    let mut out = Output::default();
    for stage in stages {
        // Redirections: `> file` and `2>&1` are dropped; the output shows here.
        let mut argv = vec![];
        let mut skip = false;
        for w in stage {
            if skip {
                skip = false;
                continue;
            }
            if w == ">" || w == ">>" || w == "<" {
                skip = true;
                continue;
            }
            if w == "2>&1" || w.starts_with("2>/dev/null") || w.starts_with('>') {
                continue;
            }
            argv.push(w);
        }
        let r = run_argv(c, &argv, input.as_deref());
        out.stderr.push_str(&r.stderr);
        out.code = r.code;
        input = Some(r.stdout);
    }
    out.stdout = input.unwrap_or_default();
    out
}

/// One program with its arguments.
pub fn run_argv(c: &mut Container, argv: &[String], stdin: Option<&str>) -> Output {
    let Some(prog) = argv.first() else {
        return Output::default();
    };
    let args = &argv[1..];
    let name = prog.rsplit('/').next().unwrap_or(prog).to_string();
    match name.as_str() {
        "sh" | "bash" | "ash" => match args {
            [flag, script, ..] if flag == "-c" => run_line(c, script, stdin),
            _ => stdin.map(|s| script(c, s)).unwrap_or_default(),
        },
        "true" | ":" => Output::default(),
        "false" => Output::fail(1, ""),
        "echo" => Output::ok(format!("{}\n", args.join(" "))),
        "hostname" => Output::ok(format!("{}\n", c.pod)),
        "whoami" => Output::ok(if c.image_has("postgres") {
            "postgres\n"
        } else {
            "root\n"
        }),
        "env" | "printenv" => env(c, args),
        "ls" => ls(c, args),
        "cat" => cat(c, args, stdin),
        "grep" => grep(args, stdin),
        "wc" => wc(args, stdin),
        "head" | "tail" => head(&name, args, stdin),
        "df" => df(c),
        "du" => du(args),
        "find" => find(c, args),
        "curl" => curl(c, args),
        "redis-cli" if c.image_has("redis") => redis_cli(c, args),
        "psql" if c.image_has("postgres") => psql(c, args, stdin),
        "pg_isready" if c.image_has("postgres") => pg_isready(c),
        "pg_dump" if c.image_has("postgres") => pg_dump(c, args),
        "ollama" if c.image_has("ollama") => ollama(c, args),
        "python" | "python3" if is_app(c) => python(c, args),
        _ => not_found(&name),
    }
}

/// Application images (not a database, cache or model server) carry Python.
fn is_app(c: &Container) -> bool {
    ![
        "postgres",
        "redis",
        "ollama",
        "nginx",
        "mongo",
        "grafana",
        "prometheus",
    ]
    .iter()
    .any(|n| c.spec.image.contains(n))
}

fn script(c: &mut Container, text: &str) -> Output {
    let mut out = Output::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line == "exit" || line.starts_with("exit ") {
            out.code = line[4..].trim().parse().unwrap_or(out.code);
            return out;
        }
        out.append(run_line(c, line, None));
    }
    out
}

fn env(c: &Container, args: &[String]) -> Output {
    let mut vars: Vec<(String, String)> = vec![
        ("HOSTNAME".into(), c.pod.clone()),
        ("HOME".into(), "/root".into()),
        (
            "PATH".into(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ),
        ("KUBERNETES_SERVICE_HOST".into(), "10.96.0.1".into()),
        ("KUBERNETES_SERVICE_PORT".into(), "443".into()),
    ];
    vars.extend(c.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    if let Some(name) = args.first() {
        return match vars.iter().find(|(k, _)| k == name) {
            Some((_, v)) => Output::ok(format!("{v}\n")),
            None => Output::fail(1, ""),
        };
    }
    Output::ok(
        vars.iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect::<String>(),
    )
}

/// Where the pod's configmap is mounted, when it has one.
fn config_dir(c: &Container) -> Option<String> {
    c.spec.configmap.as_ref().map(|_| "/etc/config".to_string())
}

fn data_dir(c: &Container) -> &'static str {
    if c.image_has("postgres") {
        "/var/lib/postgresql/data"
    } else if c.image_has("redis") {
        "/data"
    } else if c.image_has("ollama") {
        "/root/.ollama"
    } else {
        "/app"
    }
}

fn dir_entries(c: &Container, dir: &str) -> Option<Vec<String>> {
    let dir = dir.trim_end_matches('/');
    let app = data_dir(c);
    if Some(dir.to_string()) == config_dir(c) {
        return Some(c.env.keys().cloned().collect());
    }
    let list: &[&str] = match dir {
        "" => &[
            "bin", "dev", "etc", "home", "proc", "root", "sys", "tmp", "usr", "var",
        ],
        "/etc" => &["hostname", "hosts", "passwd", "resolv.conf"],
        "/tmp" | "/root" | "/home" => &[],
        "/var" => &["lib", "log", "run"],
        "/var/log" => &["apt", "dpkg.log"],
        _ if dir == app && app == "/app" => &["cache", "logs", "temp", "uploads", "main.py"],
        _ if dir == app => &["PG_VERSION", "base", "global", "pg_wal"],
        "/app/logs" => &["app-2026-11-27.log", "app.log"],
        "/app/temp" | "/app/cache" | "/app/uploads" => &[],
        _ => return None,
    };
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    if dir == "/etc" && config_dir(c).is_some() {
        v.insert(0, "config".into());
    }
    if dir.is_empty() && app == "/app" {
        v.insert(0, "app".into());
    }
    Some(v)
}

fn ls(c: &Container, args: &[String]) -> Output {
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let long = args.iter().any(|a| a.starts_with('-') && a.contains('l'));
    let cwd = data_dir(c).to_string();
    let targets: Vec<String> = if paths.is_empty() {
        vec![cwd]
    } else {
        paths.iter().map(|p| p.to_string()).collect()
    };
    let mut out = Output::default();
    for p in targets {
        match dir_entries(c, &p) {
            Some(entries) => {
                for e in entries {
                    if long {
                        out.stdout.push_str(&format!(
                            "-rw-r--r--    1 root     root          4096 {e}\n"
                        ));
                    } else {
                        out.stdout.push_str(&format!("{e}\n"));
                    }
                }
            }
            None => {
                out.stderr
                    .push_str(&format!("ls: {p}: No such file or directory\n"));
                out.code = 1;
            }
        }
    }
    out
}

fn cat(c: &Container, args: &[String], stdin: Option<&str>) -> Output {
    if args.is_empty() {
        return Output::ok(stdin.unwrap_or_default());
    }
    let mut out = Output::default();
    for p in args {
        let file = config_dir(c)
            .and_then(|d| p.strip_prefix(&format!("{d}/")).map(str::to_string))
            .and_then(|k| c.env.get(&k).cloned());
        match (file, p.as_str()) {
            (Some(v), _) => out.stdout.push_str(&v),
            (None, "/etc/hostname") => out.stdout.push_str(&format!("{}\n", c.pod)),
            (None, "/etc/resolv.conf") => out.stdout.push_str(&format!(
                "search {}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
                c.spec.namespace
            )),
            _ => {
                out.stderr
                    .push_str(&format!("cat: can't open '{p}': No such file or directory\n"));
                out.code = 1;
            }
        }
    }
    out
}

fn grep(args: &[String], stdin: Option<&str>) -> Output {
    let mut ignore = false;
    let mut pattern = None;
    for a in args {
        match a.as_str() {
            "-i" => ignore = true,
            "-E" | "-e" => {}
            _ if pattern.is_none() => pattern = Some(a.clone()),
            _ => {}
        }
    }
    let Some(p) = pattern else {
        return Output::fail(2, "Usage: grep [-iE] PATTERN [FILE]...\n");
    };
    let re = match regex::RegexBuilder::new(&p)
        .case_insensitive(ignore)
        .build()
    {
        Ok(r) => r,
        Err(_) => return Output::fail(2, format!("grep: bad regex '{p}'\n")),
    };
    let text: String = stdin
        .unwrap_or_default()
        .lines()
        .filter(|l| re.is_match(l))
        .map(|l| format!("{l}\n"))
        .collect();
    let code = if text.is_empty() { 1 } else { 0 };
    Output {
        stdout: text,
        stderr: String::new(),
        code,
    }
}

fn wc(args: &[String], stdin: Option<&str>) -> Output {
    let text = stdin.unwrap_or_default();
    if args.iter().any(|a| a == "-l") {
        Output::ok(format!("{}\n", text.lines().count()))
    } else {
        Output::ok(format!(
            "{:>7} {:>7} {:>7}\n",
            text.lines().count(),
            text.split_whitespace().count(),
            text.len()
        ))
    }
}

fn head(name: &str, args: &[String], stdin: Option<&str>) -> Output {
    let n = args
        .iter()
        .position(|a| a == "-n")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let lines: Vec<&str> = stdin.unwrap_or_default().lines().collect();
    let picked = if name == "head" {
        &lines[..n.min(lines.len())]
    } else {
        &lines[lines.len().saturating_sub(n)..]
    };
    Output::ok(picked.iter().map(|l| format!("{l}\n")).collect::<String>())
}

/// Gibibytes in a Kubernetes quantity such as `20Gi` or `500Mi`.
fn gib(q: &str) -> f64 {
    let num: f64 = q
        .trim_end_matches(|ch: char| ch.is_ascii_alphabetic())
        .parse()
        .unwrap_or(0.0);
    match q.trim_start_matches(|ch: char| ch.is_ascii_digit() || ch == '.') {
        "Ti" | "T" => num * 1024.0,
        "Mi" | "M" => num / 1024.0,
        _ => num,
    }
}

/// Share of the workload's volume in use (stable per workload).
fn volume_used(c: &Container) -> f64 {
    let h = c
        .spec
        .name
        .bytes()
        .fold(7u32, |a, b| a.wrapping_mul(31) ^ b as u32);
    0.30 + (h % 25) as f64 / 100.0
}

fn df(c: &Container) -> Output {
    let mut s =
        String::from("Filesystem                Size      Used Available Use% Mounted on\n");
    s.push_str("overlay                  98.2G     41.3G     52.2G  44% /\n");
    s.push_str("tmpfs                    64.0M         0     64.0M   0% /dev\n");
    if let Some(size) = &c.spec.volume_size {
        let total = gib(size);
        let used = total * volume_used(c);
        s.push_str(&format!(
            "/dev/sdb                 {:>5.1}G     {:>5.1}G     {:>5.1}G  {:>2.0}% {}\n",
            total,
            used,
            total - used,
            used / total * 100.0,
            data_dir(c)
        ));
    }
    if config_dir(c).is_some() {
        s.push_str("tmpfs                    31.3G      4.0K     31.3G   0% /etc/config\n");
    }
    s.push_str("shm                      64.0M         0     64.0M   0% /dev/shm\n");
    Output::ok(s)
}

fn du(args: &[String]) -> Output {
    let path = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_else(|| ".".into());
    let size = match path.as_str() {
        "/var/log" => "24.0M",
        "/app/logs" => "312.0M",
        "/app/uploads" => "1.2G",
        _ => "4.0K",
    };
    Output::ok(format!("{size}\t{path}\n"))
}

/// Files `find DIR` sees; `-delete` reports them and removes nothing.
fn find(c: &Container, args: &[String]) -> Output {
    let dir = args
        .first()
        .filter(|a| !a.starts_with('-'))
        .cloned()
        .unwrap_or_else(|| ".".into());
    if dir_entries(c, &dir).is_none() {
        return Output::fail(1, format!("find: {dir}: No such file or directory\n"));
    }
    let files: Vec<String> = match dir.trim_end_matches('/') {
        "/app/logs" => (1..=9)
            .map(|i| format!("app-2026-11-{:02}.log", i * 3))
            .chain(["app.log".to_string()])
            .collect(),
        "/app/temp" => (1..=5).map(|i| format!("upload-{i:04}.tmp")).collect(),
        "/app/uploads" => (1..=3).map(|i| format!("document-{i}.pdf")).collect(),
        "/tmp" => vec![],
        d => dir_entries(c, d).unwrap_or_default(),
    };
    // `-name GLOB` narrows the listing (`*` and `?` only).
    let glob = args
        .iter()
        .position(|a| a == "-name")
        .and_then(|i| args.get(i + 1))
        .and_then(|g| {
            let re = regex::escape(g).replace("\\*", ".*").replace("\\?", ".");
            regex::Regex::new(&format!("^{re}$")).ok()
        });
    let files: Vec<String> = files
        .into_iter()
        .filter(|f| glob.as_ref().is_none_or(|g| g.is_match(f)))
        .collect();
    let listing: String = files
        .iter()
        .map(|f| format!("{}/{f}\n", dir.trim_end_matches('/')))
        .collect();
    if args.iter().any(|a| a == "-delete") {
        return Output {
            stdout: listing,
            stderr: format!(
                "find: simulated container: the {} file(s) listed would be removed; nothing was deleted\n",
                files.len()
            ),
            code: 0,
        };
    }
    Output::ok(listing)
}

fn curl(c: &Container, args: &[String]) -> Output {
    let Some(url) = args
        .iter()
        .find(|a| !a.starts_with('-') && a.contains("localhost") || a.contains("127.0.0.1"))
    else {
        return Output::fail(
            6,
            "curl: (6) Could not resolve host: only localhost is reachable from a simulated container\n",
        );
    };
    let rest = url
        .trim_start_matches("http://")
        .trim_start_matches("localhost")
        .trim_start_matches("127.0.0.1");
    let (port, path) = match rest.strip_prefix(':') {
        Some(r) => {
            let (p, path) = r.split_at(r.find('/').unwrap_or(r.len()));
            (p.parse::<i32>().unwrap_or(0), path.to_string())
        }
        None => (80, rest.to_string()),
    };
    let metrics_port = c.spec.port + 1102;
    if port != c.spec.port && port != metrics_port && !(port == 9102 && is_app(c)) {
        return Output::fail(
            7,
            format!(
                "curl: (7) Failed to connect to localhost port {port} after 0 ms: Couldn't connect to server\n"
            ),
        );
    }
    let h = c
        .world
        .health
        .get(&c.spec.name)
        .cloned()
        .unwrap_or_default();
    if path.starts_with("/metrics") {
        return Output::ok(format!(
            "# TYPE http_requests_total counter\nhttp_requests_total{{code=\"200\"}} {:.0}\nhttp_requests_total{{code=\"500\"}} {:.0}\n# TYPE http_request_duration_p95_seconds gauge\nhttp_request_duration_p95_seconds {:.3}\n",
            h.requests_ok,
            h.requests_err,
            h.p95_ms / 1000.0
        ));
    }
    match h.forced_status {
        Some(0) => Output::fail(
            7,
            format!(
                "curl: (7) Failed to connect to localhost port {port} after 0 ms: Couldn't connect to server\n"
            ),
        ),
        Some(code) => Output {
            stdout: format!("{{\"status\":\"unhealthy\",\"code\":{code}}}\n"),
            stderr: String::new(),
            code: if args.iter().any(|a| a == "-f" || a == "-sf" || a == "-fsS") {
                22
            } else {
                0
            },
        },
        None => Output::ok(format!(
            "{{\"status\":\"healthy\",\"p95_ms\":{:.0},\"error_percent\":{:.1}}}\n",
            h.p95_ms, h.error_percent
        )),
    }
}

/// This Redis cache: keys, hits and misses (since the last flush, if any).
fn cache(c: &Container) -> (f64, f64, f64) {
    let fill = c.world.cache_fill(&c.spec.name);
    let since = c
        .world
        .flushed
        .get(&format!("{}/{}", c.spec.namespace, c.spec.name))
        .map(|t| (c.now() - t).max(0.0));
    let lookups = since.map_or(10_304.0, |s| s * c.spec.requests_per_second);
    let ratio = WARM_HIT_RATIO * fill;
    (WARM_KEYS * fill, lookups * ratio, lookups * (1.0 - ratio))
}

pub fn flush(w: &mut World, key: String) {
    let now = w.clock.now();
    w.flushed.insert(key, now);
}

fn redis_cli(c: &mut Container, args: &[String]) -> Output {
    let mut warn = String::new();
    let mut words = vec![];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-a" | "--pass" => {
                it.next();
                warn = "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n".into();
            }
            "-h" | "-p" | "-n" | "-u" => {
                it.next();
            }
            "--no-auth-warning" | "--raw" => {}
            _ => words.push(a.clone()),
        }
    }
    if !c.serving(&c.spec.name) {
        return Output::fail(
            1,
            format!("{warn}Could not connect to Redis at 127.0.0.1:6379: Connection refused\n"),
        );
    }
    if words.is_empty() {
        return Output::fail(
            1,
            format!(
                "{warn}redis-cli: the interactive prompt is not simulated; give the command as arguments (redis-cli PING)\n"
            ),
        );
    }
    let tty = c.tty;
    let int = |n: f64| {
        if tty {
            format!("(integer) {n:.0}\n")
        } else {
            format!("{n:.0}\n")
        }
    };
    let (keys, hits, misses) = cache(c);
    let cmd = words[0].to_ascii_uppercase();
    let mut out = match cmd.as_str() {
        "PING" => Output::ok("PONG\n"),
        "DBSIZE" => Output::ok(int(keys)),
        "INFO" => {
            let section = words.get(1).map(|s| s.to_ascii_lowercase());
            let used = c.spec.memory_usage_mib as f64 * (0.4 + 0.6 * keys / WARM_KEYS);
            let all = [
                (
                    "server",
                    "redis_version:7.2.5\r\nredis_mode:standalone\r\ntcp_port:6379\r\n".to_string(),
                ),
                (
                    "clients",
                    format!("connected_clients:{}\r\n", 4 + c.ready_pods_in_namespace()),
                ),
                (
                    "memory",
                    format!(
                        "used_memory:{:.0}\r\nused_memory_human:{used:.2}M\r\nmaxmemory:{}\r\nmaxmemory_human:{}M\r\nmaxmemory_policy:allkeys-lru\r\n",
                        used * 1_048_576.0,
                        c.spec.memory_limit_mib as u64 * 1_048_576,
                        c.spec.memory_limit_mib
                    ),
                ),
                (
                    "stats",
                    format!(
                        "keyspace_hits:{hits:.0}\r\nkeyspace_misses:{misses:.0}\r\nevicted_keys:0\r\n"
                    ),
                ),
                (
                    "keyspace",
                    if keys >= 1.0 {
                        format!(
                            "db0:keys={keys:.0},expires={:.0},avg_ttl=3600000\r\n",
                            keys * 0.8
                        )
                    } else {
                        String::new()
                    },
                ),
            ];
            let text: String = all
                .iter()
                .filter(|(name, _)| section.as_deref().is_none_or(|s| s == "all" || s == *name))
                .map(|(name, body)| {
                    let mut title = name.to_string();
                    title[..1].make_ascii_uppercase();
                    format!("# {title}\r\n{body}\r\n")
                })
                .collect();
            Output::ok(text.replace("\r\n", "\n"))
        }
        "CONFIG" if words.get(1).is_some_and(|w| w.eq_ignore_ascii_case("GET")) => {
            let pat = words
                .get(2)
                .cloned()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let known = [
                (
                    "maxmemory",
                    (c.spec.memory_limit_mib as u64 * 1_048_576).to_string(),
                ),
                ("maxmemory-policy", "allkeys-lru".to_string()),
                ("maxclients", "10000".to_string()),
                ("save", "3600 1 300 100 60 10000".to_string()),
                ("appendonly", "no".to_string()),
            ];
            let re = regex::Regex::new(&format!("^{}$", regex::escape(&pat).replace("\\*", ".*")));
            let text: String = known
                .iter()
                .filter(|(k, _)| re.as_ref().is_ok_and(|r| r.is_match(k)))
                .enumerate()
                .map(|(i, (k, v))| {
                    if tty {
                        format!("{}) \"{k}\"\n{}) \"{v}\"\n", 2 * i + 1, 2 * i + 2)
                    } else {
                        format!("{k}\n{v}\n")
                    }
                })
                .collect();
            Output::ok(text)
        }
        "FLUSHDB" | "FLUSHALL" => {
            flush(c.world, format!("{}/{}", c.spec.namespace, c.spec.name));
            Output::ok("OK\n")
        }
        "BGSAVE" => Output::ok("Background saving started\n"),
        "AUTH" | "SELECT" => Output::ok("OK\n"),
        other => Output {
            stdout: format!(
                "{}ERR unknown command '{}', with args beginning with: {}\n",
                if tty { "(error) " } else { "" },
                other.to_ascii_lowercase(),
                words[1..]
                    .iter()
                    .map(|w| format!("'{w}' "))
                    .collect::<String>()
            ),
            stderr: String::new(),
            code: 0,
        },
    };
    out.stderr.insert_str(0, &warn);
    out
}

impl Container<'_> {
    fn ready_pods_in_namespace(&self) -> usize {
        self.world
            .pods
            .values()
            .filter(|p| p.namespace == self.spec.namespace && p.ready)
            .count()
    }
}

pub fn psql_db(argv: &[String]) -> String {
    let mut it = argv.iter().skip(1);
    let mut user = "postgres".to_string();
    let mut db = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "-d" | "--dbname" => db = it.next().cloned(),
            "-U" | "--username" => user = it.next().cloned().unwrap_or(user),
            "-c" | "-h" | "-p" | "-f" => {
                it.next();
            }
            s if s.starts_with('-') => {}
            s => db = db.or(Some(s.to_string())),
        }
    }
    db.unwrap_or(user)
}

/// Connections held now, as the exporter reports them.
fn connections(c: &Container) -> usize {
    c.world.pg_connections(&c.spec.name) as usize
}

/// Why a connection to this database fails now, if it does.
pub fn db_refusal(c: &Container) -> Option<Output> {
    if !c.serving(&c.spec.name) {
        return Some(Output::fail(
            2,
            "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: Connection refused\n\tIs the server running locally and accepting connections on that socket?\n",
        ));
    }
    if connections(c) >= MAX_CONNECTIONS {
        return Some(Output::fail(
            2,
            "psql: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  sorry, too many clients already\n",
        ));
    }
    None
}

fn psql(c: &mut Container, args: &[String], stdin: Option<&str>) -> Output {
    if let Some(out) = db_refusal(c) {
        return out;
    }
    let query = args
        .iter()
        .position(|a| a == "-c")
        .and_then(|i| args.get(i + 1))
        .cloned();
    match (query, stdin) {
        (Some(q), _) => sql(c, &q),
        (None, Some(text)) => {
            let mut out = Output::default();
            for stmt in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                out.append(sql(c, stmt));
            }
            out
        }
        (None, None) => Output::default(),
    }
}

fn table(cols: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([h.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Numbers right-aligned, text left; the header centred and padded, data
    // rows without trailing blanks, as psql prints them.
    let numeric: Vec<bool> = cols
        .iter()
        .map(|c| matches!(*c, "count" | "calls" | "mean_exec_time" | "?column?"))
        .collect();
    let row = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths.iter().zip(&numeric))
            .map(|(s, (w, num))| {
                if *num {
                    format!(" {s:>w$} ")
                } else {
                    format!(" {s:<w$} ")
                }
            })
            .collect();
        format!("{}\n", parts.join("|").trim_end())
    };
    let header: Vec<String> = cols
        .iter()
        .zip(&widths)
        .map(|(h, w)| format!(" {h:^w$} "))
        .collect();
    let mut s = format!("{}\n", header.join("|"));
    s.push_str(
        &widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+"),
    );
    s.push('\n');
    for r in rows {
        s.push_str(&row(r));
    }
    s.push_str(&format!(
        "({} row{})\n\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    s
}

/// One SQL statement of the seeds.
pub fn sql(c: &mut Container, q: &str) -> Output {
    let norm = q
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let one = |col: &str, v: String| Output::ok(table(&[col], &[vec![v]]));
    if norm == "select 1" {
        return one("?column?", "1".into());
    }
    if norm == "show max_connections" {
        return one("max_connections", MAX_CONNECTIONS.to_string());
    }
    if norm.starts_with("select count(*) from pg_stat_activity") {
        return one("count", connections(c).to_string());
    }
    if norm.contains("pg_database_size") {
        let used = c.spec.volume_size.as_deref().map_or(1.0, gib) * volume_used(c) * 0.8;
        return one("pg_size_pretty", format!("{:.0} MB", used * 1024.0));
    }
    if norm.contains("from pg_stat_statements") {
        let limit = norm
            .rsplit("limit ")
            .next()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(10usize);
        let slow = c
            .world
            .scenario
            .workloads
            .iter()
            .filter(|w| w.namespace == c.spec.namespace)
            .filter_map(|w| {
                c.world
                    .health
                    .get(&w.name)
                    .map(|h| h.p95_ms / w.p95_ms.max(1.0))
            })
            .fold(1.0f64, f64::max);
        let base = [
            (
                "SELECT checkpoint, metadata FROM checkpoints WHERE thread_id = $1 ORDER BY checkpoint_id DESC LIMIT $2",
                48_213,
                18.4,
            ),
            (
                "INSERT INTO checkpoint_writes (thread_id, checkpoint_id, task_id, idx, channel, blob) VALUES ($1, $2, $3, $4, $5, $6)",
                91_877,
                6.2,
            ),
            (
                "INSERT INTO checkpoints (thread_id, checkpoint_id, parent_id, checkpoint, metadata) VALUES ($1, $2, $3, $4, $5)",
                48_190,
                4.9,
            ),
            (
                "SELECT blob FROM checkpoint_blobs WHERE thread_id = $1 AND channel = ANY($2)",
                47_002,
                3.1,
            ),
            (
                "DELETE FROM checkpoint_writes WHERE thread_id = $1",
                1_204,
                2.7,
            ),
            ("SELECT 1", 120_455, 0.02),
        ];
        let rows: Vec<Vec<String>> = base
            .iter()
            .take(limit)
            .map(|(q, calls, ms)| {
                let factor = if *ms > 1.0 { slow } else { 1.0 };
                vec![
                    q.to_string(),
                    calls.to_string(),
                    format!("{:.4}", ms * factor),
                ]
            })
            .collect();
        return Output::ok(table(&["query", "calls", "mean_exec_time"], &rows));
    }
    if norm.starts_with("\\dt") {
        return Output::ok(table(
            &["Schema", "Name", "Type", "Owner"],
            &["checkpoint_blobs", "checkpoint_writes", "checkpoints"]
                .iter()
                .map(|t| {
                    vec![
                        "public".into(),
                        t.to_string(),
                        "table".into(),
                        "langgraph".into(),
                    ]
                })
                .collect::<Vec<_>>(),
        ));
    }
    // What a restore (`psql < dump.sql`) and the maintenance steps print.
    let tags = [
        ("vacuum", "VACUUM"),
        ("analyze", "ANALYZE"),
        ("delete from", "DELETE 0"),
        ("create table", "CREATE TABLE"),
        ("create index", "CREATE INDEX"),
        ("create sequence", "CREATE SEQUENCE"),
        ("alter table", "ALTER TABLE"),
        ("alter sequence", "ALTER SEQUENCE"),
        ("insert into", "INSERT 0 1"),
        ("set ", "SET"),
        ("begin", "BEGIN"),
        ("commit", "COMMIT"),
        ("copy ", "COPY 0"),
    ];
    if let Some((_, tag)) = tags.iter().find(|(p, _)| norm.starts_with(p)) {
        return Output::ok(format!("{tag}\n"));
    }
    if norm.starts_with("select pg_catalog.set_config") {
        return one("set_config", String::new());
    }
    Output::fail(
        1,
        format!(
            "ERROR:  the simulated database answers only the runbooks' queries (SELECT 1, SHOW max_connections, pg_stat_activity, pg_stat_statements, pg_database_size): {}\n",
            q.trim()
        ),
    )
}

fn pg_isready(c: &Container) -> Output {
    match db_refusal(c) {
        None => Output::ok("/var/run/postgresql:5432 - accepting connections\n"),
        Some(_) if c.serving(&c.spec.name) => {
            Output::ok("/var/run/postgresql:5432 - accepting connections\n")
        }
        Some(_) => Output {
            stdout: "/var/run/postgresql:5432 - no response\n".into(),
            stderr: String::new(),
            code: 2,
        },
    }
}

fn pg_dump(c: &Container, args: &[String]) -> Output {
    if let Some(out) = db_refusal(c) {
        return Output::fail(out.code, out.stderr.replace("psql:", "pg_dump:"));
    }
    let db = psql_db(
        &std::iter::once("pg_dump".to_string())
            .chain(args.iter().cloned())
            .collect::<Vec<_>>(),
    );
    Output::ok(format!(
        "--\n-- PostgreSQL database dump of {db} (simulated: schema only)\n--\n\nCREATE TABLE public.checkpoints (thread_id text NOT NULL, checkpoint_id text NOT NULL, parent_id text, checkpoint jsonb, metadata jsonb);\n\n-- PostgreSQL database dump complete\n"
    ))
}

fn ollama(c: &Container, args: &[String]) -> Output {
    if !c.serving(&c.spec.name) {
        return Output::fail(
            1,
            "Error: could not connect to ollama app, is it running?\n",
        );
    }
    let model = c
        .world
        .scenario
        .configmaps
        .iter()
        .find(|m| m.namespace == c.spec.namespace)
        .and_then(|m| m.data.get("MODEL_NAME").cloned())
        .unwrap_or_else(|| "llama3:8b".into());
    match args.first().map(String::as_str) {
        Some("list" | "ls") => Output::ok(format!(
            "NAME{:w$}ID              SIZE      MODIFIED\n{model}{:w2$}0a8c26691023    4.7 GB    3 weeks ago\n",
            "",
            "",
            w = model.len().max(4) + 4 - 4,
            w2 = 4
        )),
        Some("pull") => {
            let m = args.get(1).cloned().unwrap_or(model);
            Output::ok(format!(
                "pulling manifest\npulling {m}: 100% ▕████████████████▏ (already present)\nverifying sha256 digest\nwriting manifest\nsuccess\n"
            ))
        }
        Some("ps") => Output::ok(format!(
            "NAME{:w$}ID              SIZE      PROCESSOR    UNTIL\n{model}    0a8c26691023    6.0 GB    100% CPU     4 minutes from now\n",
            "",
            w = model.len() + 4 - 4
        )),
        _ => Output::fail(1, "Error: the simulated ollama knows list, pull and ps\n"),
    }
}

/// `python -c` connection probes: a PostgreSQL or Redis connection from the
/// pod's own configuration; other code is not run.
fn python(c: &mut Container, args: &[String]) -> Output {
    let code = match args {
        [flag, code, ..] if flag == "-c" => code.clone(),
        _ => {
            return Output::fail(
                1,
                "python: the simulated container runs only `python -c` connection probes\n",
            );
        }
    };
    let printed: String = regex::Regex::new(r#"print\(\s*['"]([^'"]*)['"]"#)
        .ok()
        .and_then(|r| r.captures(&code).map(|m| format!("{}\n", &m[1])))
        .unwrap_or_default();
    let traceback = |exc: &str| {
        Output::fail(
            1,
            format!(
                "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n{exc}\n"
            ),
        )
    };
    if code.contains("psycopg2") || code.contains("asyncpg") || code.contains("sqlalchemy") {
        // The URI written in the probe, else the pod's own configuration.
        let in_code = regex::Regex::new(r#"postgres(?:ql)?://[^'"\s]+"#)
            .ok()
            .and_then(|r| r.find(&code).map(|m| m.as_str().to_string()));
        let uri = in_code.or_else(|| {
            c.env
                .iter()
                .find(|(k, v)| {
                    (k.contains("POSTGRES") || k.contains("DATABASE")) && v.contains("://")
                })
                .map(|(_, v)| v.clone())
        });
        let authority = uri
            .as_deref()
            .and_then(|u| u.split('@').nth(1))
            .map(|a| a.split('/').next().unwrap_or(a).to_string());
        let host = authority
            .as_deref()
            .map(|a| a.split(':').next().unwrap_or(a).to_string());
        let port = authority
            .as_deref()
            .and_then(|a| a.split_once(':'))
            .map(|(_, p)| p.to_string())
            .unwrap_or_else(|| "5432".into());
        let Some(pg) = c.workload_like("postgres") else {
            return traceback(
                "psycopg2.OperationalError: connection to server failed: Connection refused",
            );
        };
        let expected = format!("{}.{}.svc.cluster.local", pg.name, pg.namespace);
        match host {
            Some(h)
                if h == expected
                    || h == pg.name
                    || h == format!("{}.{}", pg.name, pg.namespace) => {}
            Some(h) => {
                return traceback(&format!(
                    "psycopg2.OperationalError: could not translate host name \"{h}\" to address: Name or service not known"
                ));
            }
            None => {}
        }
        if port != "5432" {
            return traceback(&format!(
                "psycopg2.OperationalError: connection to server at \"{expected}\", port {port} failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?"
            ));
        }
        if !c.serving(&pg.name) {
            return traceback(&format!(
                "psycopg2.OperationalError: connection to server at \"{expected}\", port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?"
            ));
        }
        if c.world.pg_connections(&pg.name) as usize >= MAX_CONNECTIONS {
            return traceback(
                "psycopg2.OperationalError: connection to server failed: FATAL:  sorry, too many clients already",
            );
        }
        return Output::ok(printed);
    }
    if code.contains("redis") {
        return match c.workload_like("redis") {
            Some(r) if c.serving(&r.name) => Output::ok(if printed.is_empty() {
                "True\n".into()
            } else {
                printed
            }),
            _ => traceback(
                "redis.exceptions.ConnectionError: Error 111 connecting to redis:6379. Connection refused.",
            ),
        };
    }
    traceback(
        "ModuleNotFoundError: the simulated container runs only PostgreSQL and Redis connection probes",
    )
}
