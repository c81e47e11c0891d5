//! Inside a simulated container: a small command table that answers the seed
//! runbooks' diagnosis commands from the scenario's state. Everything else is
//! `sh: NAME: not found` with exit 127, as in a slim image.

mod programs;

use std::collections::BTreeMap;

use super::scenario::WorkloadSpec;
use super::world::{ContainerState, World};

pub use programs::run_line;

/// What one command printed and how it ended.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Output {
    pub fn ok(stdout: impl Into<String>) -> Output {
        Output {
            stdout: stdout.into(),
            ..Output::default()
        }
    }

    pub fn fail(code: i32, stderr: impl Into<String>) -> Output {
        Output {
            stderr: stderr.into(),
            code,
            ..Output::default()
        }
    }

    fn append(&mut self, other: Output) {
        self.stdout.push_str(&other.stdout);
        self.stderr.push_str(&other.stderr);
        self.code = other.code;
    }
}

/// The container a command runs in, as the world describes it at that moment.
pub struct Container<'a> {
    pub world: &'a mut World,
    pub pod: String,
    pub spec: WorkloadSpec,
    /// The pod's environment (its configmap as it was when the pod was created).
    pub env: BTreeMap<String, String>,
    pub tty: bool,
}

impl<'a> Container<'a> {
    /// The container `pod_uid` runs, or None when it has no runtime.
    pub fn open(world: &'a mut World, pod_uid: &str, tty: bool) -> Option<Container<'a>> {
        let rt = world.pods.get(pod_uid)?;
        let spec = world.workload_spec(&rt.workload)?.clone();
        let env = rt.config.clone();
        let pod = rt.name.clone();
        Some(Container {
            world,
            pod,
            spec,
            env,
            tty,
        })
    }

    /// The image provides this program (a postgres image has psql, not redis-cli).
    fn image_has(&self, what: &str) -> bool {
        self.spec.image.contains(what) || self.spec.name.contains(what)
    }

    /// A workload of this scenario whose name or image mentions `what`.
    fn workload_like(&self, what: &str) -> Option<WorkloadSpec> {
        let ns = &self.spec.namespace;
        self.world
            .scenario
            .workloads
            .iter()
            .find(|w| &w.namespace == ns && (w.name.contains(what) || w.image.contains(what)))
            .cloned()
    }

    /// Pods of `workload` whose container runs and is ready.
    fn ready_pods(&self, workload: &str) -> usize {
        self.world
            .pods
            .values()
            .filter(|p| {
                p.workload == workload
                    && p.ready
                    && p.terminating_until.is_none()
                    && matches!(p.state, ContainerState::Running { .. })
            })
            .count()
    }

    /// The workload answers (ready pods and no incident forcing a status).
    fn serving(&self, workload: &str) -> bool {
        let forced = self
            .world
            .health
            .get(workload)
            .and_then(|h| h.forced_status);
        self.ready_pods(workload) > 0 && forced.is_none()
    }

    fn now(&self) -> f64 {
        self.world.clock.now()
    }
}

/// An interactive program reading lines from stdin: a shell or psql.
pub enum Repl {
    Shell {
        last: i32,
    },
    /// psql reading SQL: statements end with `;`, meta-commands with the line.
    Psql {
        db: String,
        buf: String,
    },
}

impl Repl {
    pub fn prompt(&self) -> String {
        match self {
            Repl::Shell { .. } => "# ".into(),
            Repl::Psql { db, buf } if buf.is_empty() => format!("{db}=# "),
            Repl::Psql { db, .. } => format!("{db}-# "),
        }
    }

    /// Runs one line; Some(code) when the line ends the program.
    pub fn line(&mut self, c: &mut Container, line: &str) -> (Output, Option<i32>) {
        let line = line.trim();
        match self {
            Repl::Shell { last } => {
                if line.is_empty() || line.starts_with('#') {
                    return (Output::default(), None);
                }
                if line == "exit" || line.starts_with("exit ") {
                    let code = line[4..].trim().parse().unwrap_or(*last);
                    return (Output::default(), Some(code));
                }
                let out = run_line(c, line, None);
                *last = out.code;
                (out, None)
            }
            Repl::Psql { buf, .. } => {
                if line.is_empty() || line.starts_with("--") {
                    return (Output::default(), None);
                }
                if buf.is_empty() && (line == "\\q" || line == "exit" || line == "quit") {
                    return (Output::default(), Some(0));
                }
                if buf.is_empty() && line.starts_with('\\') {
                    return (programs::sql(c, line), None);
                }
                if !buf.is_empty() {
                    buf.push(' ');
                }
                buf.push_str(line);
                if !line.ends_with(';') {
                    return (Output::default(), None);
                }
                let stmt = std::mem::take(buf);
                (programs::sql(c, &stmt), None)
            }
        }
    }

    /// What stdin's end runs (an unterminated statement) and the exit code.
    pub fn eof(&mut self, c: &mut Container) -> (Output, i32) {
        match self {
            Repl::Shell { last } => (Output::default(), *last),
            Repl::Psql { buf, .. } if !buf.trim().is_empty() => {
                let stmt = std::mem::take(buf);
                let out = programs::sql(c, &stmt);
                (out, 0)
            }
            Repl::Psql { .. } => (Output::default(), 0),
        }
    }
}

/// How a command line starts: run at once, or read stdin as a program.
pub enum Start {
    Done(Output),
    Interactive(Repl, Output),
}

/// Starts `argv` (the exec request's `command` parameters) in the container.
/// `stdin` says whether the client attached stdin.
pub fn start(c: &mut Container, argv: &[String], stdin: bool) -> Start {
    let Some(prog) = argv.first() else {
        return Start::Done(Output::fail(
            1,
            "error: you must specify at least one command for the container\n",
        ));
    };
    let base = prog.rsplit('/').next().unwrap_or(prog);
    match base {
        "sh" | "bash" | "ash" if argv.len() == 1 || argv[1] == "-i" || argv[1] == "-l" => {
            if stdin {
                Start::Interactive(Repl::Shell { last: 0 }, Output::default())
            } else {
                Start::Done(Output::default())
            }
        }
        "psql" if stdin && !argv.iter().any(|a| a == "-c" || a.starts_with("--command")) => {
            if !c.image_has("postgres") {
                return Start::Done(programs::not_found("psql"));
            }
            match programs::db_refusal(c) {
                Some(out) => Start::Done(out),
                None => {
                    let db = programs::psql_db(argv);
                    let banner = if c.tty {
                        "psql (15.8)\nType \"help\" for help.\n\n".to_string()
                    } else {
                        String::new()
                    };
                    Start::Interactive(
                        Repl::Psql {
                            db,
                            buf: String::new(),
                        },
                        Output::ok(banner),
                    )
                }
            }
        }
        _ => Start::Done(programs::run_argv(c, argv, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::clock::Clock;
    use crate::sim::{build, controller, scenario};

    fn world(name: &str, until: f64) -> World {
        let mut w = World::with_clock(
            scenario::load(name).expect("built-in scenario"),
            2,
            Clock::manual(),
        );
        build::populate(&mut w);
        while w.clock.now() < until {
            w.clock.advance(0.5);
            controller::tick(&mut w);
        }
        w
    }

    fn uid_of(w: &World, workload: &str) -> String {
        w.pods
            .iter()
            .find(|(_, p)| p.workload == workload)
            .map(|(u, _)| u.clone())
            .expect("a pod of the workload")
    }

    fn run(w: &mut World, workload: &str, line: &str) -> Output {
        let uid = uid_of(w, workload);
        let mut c = Container::open(w, &uid, false).expect("container");
        run_line(&mut c, line, None)
    }

    #[test]
    fn unknown_programs_are_not_found_with_127() {
        let mut w = world("rag7", 8.0);
        assert_eq!(
            run(&mut w, "redis", "nslookup x"),
            not_found_out("nslookup")
        );
        // psql lives in the postgres image only.
        assert_eq!(run(&mut w, "redis", "psql -c 'SELECT 1'").code, 127);
        assert_eq!(run(&mut w, "postgres", "psql -c 'SELECT 1'").code, 0);
    }

    fn not_found_out(name: &str) -> Output {
        Output::fail(127, format!("sh: {name}: not found\n"))
    }

    #[test]
    fn flushall_empties_the_cache_and_it_fills_again() {
        let mut w = world("rag7", 8.0);
        assert_eq!(run(&mut w, "redis", "redis-cli dbsize").stdout, "1342\n");
        assert!((w.cache_fill("redis") - 1.0).abs() < 1e-9);
        assert_eq!(run(&mut w, "redis", "redis-cli FLUSHALL").stdout, "OK\n");
        assert_eq!(run(&mut w, "redis", "redis-cli dbsize").stdout, "0\n");
        assert_eq!(w.cache_fill("redis"), 0.0);
        w.clock.advance(60.0);
        assert!((w.cache_fill("redis") - 0.5).abs() < 1e-9);
        w.clock.advance(120.0);
        assert_eq!(run(&mut w, "redis", "redis-cli dbsize").stdout, "1342\n");
    }

    #[test]
    fn shell_lines_pipe_and_sequence() {
        let mut w = world("rag7", 8.0);
        let out = run(
            &mut w,
            "langgraph",
            "env | grep -E '(POSTGRES|REDIS)' | wc -l",
        );
        assert_eq!(out.stdout, "2\n");
        let out = run(&mut w, "langgraph", "false && echo no || echo yes");
        assert_eq!(out.stdout, "yes\n");
        let out = run(
            &mut w,
            "postgres",
            "psql -U langgraph -c \"SELECT count(*) FROM pg_stat_activity\"",
        );
        assert_eq!(
            out.stdout,
            format!(
                " count \n-------\n {:>5}\n(1 row)\n\n",
                w.pg_connections("postgres")
            )
        );
    }

    #[test]
    fn find_delete_lists_what_it_would_remove() {
        let mut w = world("deepseek-rag", 8.0);
        let out = run(
            &mut w,
            "deepseek-rag-app",
            "find /app/logs -name \"*.log\" -mtime +7 -delete",
        );
        assert_eq!(out.code, 0);
        assert_eq!(out.stdout.lines().count(), 10, "{out:?}");
        assert!(out.stdout.lines().all(|l| l.ends_with(".log")), "{out:?}");
        assert!(out.stderr.contains("nothing was deleted"), "{out:?}");
        let out = run(&mut w, "deepseek-rag-app", "find /app/logs -name \"*.gz\"");
        assert_eq!(out.stdout, "");
    }

    #[test]
    fn the_connection_probe_follows_the_configmap() {
        let probe = "python -c \"import psycopg2; conn = psycopg2.connect(os.environ['POSTGRES_URI']); print('Connected')\"";
        let mut w = world("rag7", 8.0);
        assert_eq!(run(&mut w, "langgraph", probe).stdout, "Connected\n");
        // A pod created with rag7's bad configmap (port 5433) is refused.
        let uid = uid_of(&w, "langgraph");
        if let Some(rt) = w.pods.get_mut(&uid) {
            rt.config.insert(
                "POSTGRES_URI".into(),
                "postgresql://langgraph@postgres.rag7.svc.cluster.local:5433/langgraph_checkpoints"
                    .into(),
            );
        }
        let mut c = Container::open(&mut w, &uid, false).expect("container");
        let out = run_line(&mut c, probe, None);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("port 5433 failed: Connection refused"),
            "{out:?}"
        );
    }
}
