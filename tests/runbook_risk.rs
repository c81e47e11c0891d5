//! The risk classifier, placeholders and user rule files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::collections::HashMap;

use opsdeck::model::Risk;
use opsdeck::runbook::placeholders::{self, PlaceholderKind};
use opsdeck::runbook::risk::{Rules, classify, classify_sql};

use Risk::{Destructive as D, Mutating as M, ReadOnly as R};

const TABLE: &[(&str, Risk)] = &[
    // kubectl: read-only verbs
    ("kubectl get pods -n rag7", R),
    ("kubectl -n rag7 get pods", R),
    ("kubectl get pods -n deepseek-rag -l app=deepseek-rag", R),
    ("kubectl describe pod -n rag7 POD_NAME", R),
    (
        "kubectl logs -f deployment/deepseek-rag-app -n deepseek-rag --tail=100",
        R,
    ),
    ("kubectl logs -n rag7 POD_NAME --previous", R),
    ("kubectl top pods -n rag7 --sort-by=memory", R),
    ("kubectl top nodes", R),
    ("kubectl explain deployment.spec", R),
    ("kubectl rollout status deployment/langgraph -n rag7", R),
    ("kubectl rollout history deployment/langgraph -n rag7", R),
    ("kubectl auth can-i delete pods -n rag7", R),
    ("kubectl get secret x -o yaml", R),
    ("kubectl get secrets", R),
    (
        "kubectl get events -n rag7 --sort-by='.lastTimestamp' | grep OOM",
        R,
    ),
    (
        "kubectl get deployment langgraph -n rag7 -o jsonpath='{.spec.template.spec.containers[0].image}'",
        R,
    ),
    ("kubectl cluster-info", R),
    ("kubectl port-forward -n rag7 svc/langgraph 8123:8123", R),
    ("kubectl get hpa -n rag7", R),
    ("kubectl config current-context", R),
    ("kubectl version", R),
    // kubectl: mutating
    ("kubectl scale deployment/langgraph -n rag7 --replicas=5", M),
    ("kubectl scale deployment/langgraph -n rag7 --replicas=0", M),
    ("kubectl rollout restart deployment/langgraph -n rag7", M),
    ("kubectl rollout undo deployment/langgraph -n rag7", M),
    (
        "kubectl rollout undo deployment/langgraph -n rag7 --to-revision=5",
        M,
    ),
    (
        "kubectl set image deployment/langgraph -n rag7 langgraph=ghcr.io/stacey77/rag7:v1.0.1",
        M,
    ),
    (
        "kubectl patch pvc data -n x -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"50Gi\"}}}}'",
        M,
    ),
    ("kubectl edit configmap langgraph-config -n rag7", M),
    ("kubectl edit secret langgraph-secrets -n rag7", M),
    ("kubectl apply -f backup/deployment.yaml", M),
    ("kubectl label pod web-1 tier=frontend", M),
    ("kubectl annotate deployment web note=x", M),
    ("kubectl cordon node-1", M),
    ("kubectl uncordon node-1", M),
    (
        "kubectl autoscale deployment app --cpu-percent=70 --min=2 --max=10",
        M,
    ),
    ("kubectl create secret generic s --from-literal=a=b", M),
    ("kubectl run -n rag7 -it debug --image=busybox -- sh", M),
    (
        "kubectl cp backup/redis.rdb deepseek-rag/redis-pod:/data/dump.rdb",
        M,
    ),
    ("kubectl cp rag7/POD_NAME:/path/to/file ./local/path", M),
    ("kubectl replace -f deploy.yaml", M),
    ("kubectl frobnicate pods", M),
    // kubectl: destructive
    ("kubectl delete pod <pod-name>", D),
    ("kubectl delete pod -n rag7 -l app=postgres", D),
    ("kubectl delete secret langgraph-tls -n rag7", D),
    ("kubectl delete namespace rag7", D),
    ("kubectl drain node-1 --ignore-daemonsets", D),
    ("kubectl replace --force -f deploy.yaml", D),
    // kubectl exec / run: the inner command decides
    (
        "kubectl exec -it deploy/x -- find /app/temp -type f -mtime +1 -delete",
        D,
    ),
    (
        "kubectl exec -it deployment/deepseek-rag-app -n deepseek-rag -- df -h",
        R,
    ),
    (
        "kubectl exec -n rag7 -it statefulset/postgres -- psql -U langgraph -c \"SHOW max_connections\"",
        R,
    ),
    (
        "kubectl exec -n rag7 statefulset/postgres -- psql -U langgraph -c \"VACUUM ANALYZE\"",
        M,
    ),
    (
        "kubectl exec -n rag7 statefulset/postgres -- psql -U langgraph -c \"DELETE FROM checkpoints WHERE created_at < NOW() - INTERVAL '30 days'\"",
        D,
    ),
    (
        "kubectl exec -n rag7 -it statefulset/postgres -- dropdb -U langgraph langgraph_checkpoints",
        D,
    ),
    (
        "kubectl exec -n rag7 -it statefulset/postgres -- createdb -U langgraph langgraph_checkpoints",
        M,
    ),
    (
        "kubectl exec -n rag7 -it statefulset/postgres -- psql -U langgraph langgraph_checkpoints < backup_YYYYMMDD.sql",
        M,
    ),
    ("kubectl exec <redis-pod> -- redis-cli FLUSHALL", D),
    ("kubectl exec -it <pod> -- redis-cli ping", R),
    (
        "kubectl exec deployment/redis -n deepseek-rag -- redis-cli bgsave",
        M,
    ),
    (
        "kubectl exec -it deployment/ollama -n deepseek-rag -- ollama pull deepseek-r1:1.5b",
        M,
    ),
    (
        "kubectl exec -it deployment/ollama -n deepseek-rag -- ollama list",
        R,
    ),
    (
        "kubectl exec -it deployment/deepseek-rag-app -n deepseek-rag -- bash",
        M,
    ),
    (
        "kubectl exec deployment/app -- tar czf /tmp/app-data.tar.gz /app/uploads",
        M,
    ),
    (
        "kubectl exec deployment/app -- sh -c 'rm -rf /tmp/cache/*'",
        D,
    ),
    (
        "kubectl exec -it <pod> -- python -c \"import psycopg2; ...\"",
        M,
    ),
    (
        "kubectl exec deployment/app -n x -- find /app/uploads -type f -mmin -60 | wc -l",
        R,
    ),
    (
        "kubectl run -n rag7 -it --rm debug --image=postgres:15-alpine --restart=Never -- psql -h postgres -U langgraph -c \"SELECT 1\"",
        R,
    ),
    (
        "kubectl run -n rag7 -it --rm debug --image=redis:7-alpine --restart=Never -- redis-cli -h redis ping",
        R,
    ),
    (
        "kubectl run -it --rm debug --image=redis --restart=Never -- redis-cli -h redis flushall",
        D,
    ),
    // docker
    ("docker ps", R),
    ("docker logs doc-rag-api-prod --tail 100 -f", R),
    ("docker stats --no-stream", R),
    ("docker inspect web", R),
    ("docker images", R),
    ("docker system events --since '1h'", R),
    ("docker system df", R),
    ("docker scan personal-rag-propo", R),
    ("docker exec doc-rag-postgres-prod pg_isready -U docrag", R),
    (
        "docker exec doc-rag-redis-prod redis-cli -a $REDIS_PASSWORD info memory",
        R,
    ),
    (
        "docker exec doc-rag-redis-prod redis-cli -a $REDIS_PASSWORD flushdb",
        D,
    ),
    (
        "docker exec -it doc-rag-postgres-prod psql -U docrag -d docrag",
        M,
    ),
    (
        "docker exec -i doc-rag-postgres-prod psql -U docrag -d docrag < backup.sql",
        M,
    ),
    (
        "docker exec doc-rag-api-prod env | grep -E \"(DATABASE|REDIS|JWT)\"",
        R,
    ),
    (
        "docker exec doc-rag-postgres-prod pg_dump -U docrag -d docrag -f /tmp/backup.sql",
        R,
    ),
    (
        "docker exec doc-rag-postgres-prod pg_dump -U docrag -d docrag > /backups/postgres.sql",
        M,
    ),
    ("docker exec -u root web rm -rf /var/cache/app", D),
    ("docker restart web", M),
    ("docker stop web", M),
    ("docker start web", M),
    ("docker pull python:3.11-slim", M),
    ("docker build -t deepseek-rag:security-update .", M),
    ("docker run -p 8123:8123 rag7:hotfix", M),
    (
        "docker run --rm -v $(pwd):/app clair-scanner --ip localhost personal-rag-propo",
        M,
    ),
    (
        "docker run --rm -v data:/data -v /opt/backups:/backup alpine tar xzf /backup/latest.tar.gz -C /data",
        M,
    ),
    (
        "docker cp doc-rag-postgres-prod:/tmp/backup.sql ./backups/",
        M,
    ),
    ("docker rm -f web", D),
    ("docker rmi old-image", D),
    ("docker system prune -af", D),
    ("docker volume rm data", D),
    ("docker volume prune", D),
    ("docker image prune -a", D),
    ("docker container prune", D),
    // docker-compose and docker compose
    ("docker-compose ps", R),
    ("docker-compose -f docker-compose.production.yml ps", R),
    ("docker-compose logs --tail=50 rag-chatbot-prod", R),
    ("docker-compose logs --since \"24h\" | grep -i error", R),
    ("docker-compose config", R),
    ("docker-compose exec rag-chatbot-prod env", R),
    (
        "docker-compose exec rag-chatbot-prod ping -c 3 api.pinecone.io",
        R,
    ),
    ("docker-compose restart rag-chatbot-prod", M),
    ("docker-compose up -d rag-chatbot-prod", M),
    ("docker-compose --profile monitoring up -d", M),
    (
        "docker-compose -f docker-compose.production.yml up -d --scale api=3",
        M,
    ),
    ("docker-compose stop", M),
    ("docker-compose pull", M),
    ("docker-compose build --no-cache rag-chatbot-prod", M),
    ("docker-compose -f f.yml down", D),
    ("docker-compose down -v", D),
    ("docker-compose rm -f", D),
    ("docker compose ps", R),
    ("docker compose down --volumes", D),
    ("docker compose up -d", M),
    // redis-cli by Redis's command flags
    ("redis-cli ping", R),
    ("redis-cli info stats", R),
    ("redis-cli get rate_limit:violations", R),
    ("redis-cli -h redis.rag7.svc.cluster.local ping", R),
    ("redis-cli --bigkeys", R),
    ("redis-cli keys '*'", R),
    ("redis-cli monitor", R),
    ("redis-cli config get maxmemory", R),
    ("redis-cli config set maxmemory-policy allkeys-lru", M),
    ("redis-cli config set save \"900 1 300 10 60 10000\"", M),
    ("redis-cli bgrewriteaof", M),
    ("redis-cli set feature:x on", M),
    ("redis-cli flushdb", D),
    ("redis-cli FLUSHALL", D),
    ("redis-cli del session:1", D),
    ("redis-cli -n 2 unlink cache:a cache:b", D),
    ("redis-cli shutdown", D),
    (
        "redis-cli eval \"for i=1,redis.call('dbsize') do redis.call('del', redis.call('randomkey')) end\" 0",
        D,
    ),
    (
        "redis-cli eval \"return redis.call('get', KEYS[1])\" 1 k",
        R,
    ),
    (
        "redis-cli eval \"return redis.call('set', KEYS[1], 'x')\" 1 k",
        M,
    ),
    ("redis-cli evalsha abc123 0", M),
    // SQL through psql, and SQL statements
    ("psql -c \"SELECT 1\"", R),
    (
        "psql -U langgraph -c \"SELECT count(*) FROM pg_stat_activity\"",
        R,
    ),
    ("psql -U langgraph -c \"SHOW max_connections\"", R),
    ("psql -U langgraph -c \"VACUUM ANALYZE\"", M),
    ("psql -c \"DROP TABLE sessions\"", D),
    ("psql -c \"TRUNCATE events\"", D),
    ("psql -c \"SELECT pg_terminate_backend(1234)\"", D),
    (
        "psql -c \"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active'\"",
        D,
    ),
    ("psql -c \"SELECT pg_reload_conf()\"", M),
    ("psql -f migrate.sql", M),
    ("psql -U docrag -d docrag", M),
    ("pg_isready -U docrag", R),
    ("pg_dump -U langgraph langgraph_checkpoints > backup.sql", M),
    ("dropdb -U langgraph langgraph_checkpoints", D),
    ("createdb -U langgraph langgraph_checkpoints", M),
    ("mongodump --db docrag --out /tmp/mongodb_backup", R),
    // coreutils and shell
    ("df -h", R),
    ("free -h", R),
    ("du -sh /var/log", R),
    ("ls -lt /opt/backups/*.tar.gz | head -5", R),
    ("tail -f logs/security_audit.log", R),
    ("grep \"RATE_LIMIT\" logs/security_audit.log | wc -l", R),
    ("journalctl -u docker -f", R),
    ("journalctl --vacuum-time=2d", D),
    ("find backup/ -name \"*.yaml\" -mtime +30", R),
    ("find backup/ -name \"*.yaml\" -mtime +30 -delete", D),
    ("find /tmp -name '*.tmp' -exec rm {} \\;", D),
    ("find /tmp -name '*.tmp' | xargs rm -f", D),
    ("rm -rf /app/temp", D),
    ("sudo rm /var/log/app.log", D),
    ("truncate -s 0 /var/log/app.log", D),
    ("cp .env $BACKUP_DIR/config.env", M),
    ("mkdir -p logs data", M),
    ("chmod 755 logs", M),
    ("gzip backup_*.sql", M),
    ("gunzip -c backup_*.sql.gz | head -n 20", R),
    ("tar czf /tmp/app-data.tar.gz /app/uploads", M),
    ("tar tzf /tmp/app-data.tar.gz", R),
    ("sed -i 's/a/b/' config.ini", M),
    ("sed 's/%//'", R),
    ("nano .env", M),
    ("sleep 60", R),
    ("export CHUNK_SIZE=1500", R),
    ("JWT_SECRET=$(openssl rand -base64 64)", R),
    ("echo hello > notes.txt", M),
    ("iptables -A INPUT -s <malicious_ip> -j DROP", M),
    ("iptables -L -n", R),
    ("iptables -F", D),
    ("systemctl status docker", R),
    ("systemctl restart docker", M),
    ("kill -9 1234", D),
    // network clients by method
    ("curl -f http://localhost:8000/health", R),
    (
        "curl -s http://your-domain/metrics | grep cache_hit_ratio",
        R,
    ),
    (
        "curl -w \"@curl-format.txt\" -o /dev/null -s http://your-domain/",
        R,
    ),
    ("curl -o dump.json http://x/api", M),
    (
        "curl -X POST \"http://qdrant:6333/collections/documents/snapshots\"",
        M,
    ),
    ("curl -XPOST http://x/api", M),
    ("curl -d '{\"a\":1}' http://x/api", M),
    ("curl -X PUT http://x/api/item/1", M),
    ("curl -X DELETE http://x/api/item/1", D),
    ("curl --request delete http://x/api/item/1", D),
    ("curl -I https://example.com", R),
    (
        "echo | openssl s_client -servername your-domain -connect your-domain:443 2>/dev/null | openssl x509 -noout -dates",
        R,
    ),
    ("openssl rand -base64 64", R),
    // source control, backup and cloud tools
    ("git diff main..feature-branch", R),
    ("git status", R),
    ("git log --oneline", R),
    ("git checkout main", M),
    ("git merge feature-branch", M),
    ("git tag -a v1.0.1 -m \"Release 1.0.1\"", M),
    ("git push origin v1.0.1", M),
    ("git push --force origin main", D),
    ("git push origin --delete old-branch", D),
    ("git reset --hard HEAD~1", D),
    ("git clean -fdx", D),
    (
        "velero backup create monthly-backup --include-namespaces deepseek-rag",
        M,
    ),
    ("velero backup get", R),
    ("velero backup delete monthly-backup", D),
    ("velero restore create --from-backup monthly-backup", M),
    ("aws s3 cp backup.sql.gz s3://rag7-backups/", M),
    ("aws s3 ls s3://rag7-backups/", R),
    ("aws s3 rm s3://rag7-backups/old.sql.gz", D),
    ("aws s3 sync ./backups s3://b --delete", D),
    ("gpg -c rag7_backup.yaml", M),
    ("gpg --list-keys", R),
    ("pip-audit --desc", R),
    ("pip-audit --fix", M),
    ("trivy image deepseek-rag:latest", R),
    ("bandit -r . -f json -o security-report.json", M),
    ("helm list -A", R),
    ("helm uninstall web", D),
    // compounds take the highest risk of their parts
    ("kubectl get pods && kubectl delete pod web-1", D),
    ("kubectl get pods || docker ps", R),
    ("redis-cli ping; redis-cli flushall", D),
    ("echo $(kubectl delete pod x)", D),
    (
        "for s in a b; do docker-compose up -d --no-deps $s; sleep 30; done",
        M,
    ),
    (
        "df -h | grep -E \"(logs|cache)\" | while read line; do echo $line; done",
        R,
    ),
    ("watch kubectl get pods", R),
    ("timeout 10 kubectl delete pod x", D),
    ("sh -c 'kubectl get pods'", R),
    ("bash -c 'docker-compose down -v'", D),
    // remote and wrapped commands: the inner command's risk
    ("ssh worker-3 'systemctl status kubelet'", R),
    (
        "ssh -p 2222 -i key ops@worker-3 \"journalctl -u kubelet -n 50\"",
        R,
    ),
    ("ssh worker-3 'sudo systemctl restart kubelet'", M),
    ("ssh worker-3 'rm -rf /var/lib/kubelet/pods'", D),
    ("ssh worker-3", M),
    ("ansible web -m shell -a 'df -h'", R),
    ("ansible web -m command -a 'rm -rf /tmp/x'", D),
    ("ansible web -a 'uptime'", R),
    ("ansible web -m ping", R),
    ("ansible web -m service -a 'name=nginx state=restarted'", M),
    ("ansible web -m shell -a 'rm -rf /tmp/x' --check", R),
    ("ansible-playbook site.yml", M),
    ("ansible-playbook site.yml -C", R),
    ("salt '*' cmd.run 'uptime'", R),
    ("salt '*' cmd.run 'systemctl stop nginx'", M),
    ("salt '*' state.apply nginx", M),
    ("salt '*' state.apply nginx test=True", R),
    ("salt '*' test.ping", R),
    ("salt '*' pkg.remove nginx", D),
    ("sudo -u postgres psql -c 'SELECT 1'", R),
    ("sudo -n systemctl status kubelet", R),
    ("sudo -i", M),
    ("su -c 'systemctl is-active docker'", R),
    ("su - postgres -c 'dropdb app'", D),
    ("su - postgres", M),
    ("nsenter -t 1 -m -u -i -n -p -- ip addr", R),
    ("nsenter --target 1 --mount systemctl restart kubelet", M),
    ("nsenter -t 1 -m", M),
    ("chroot /host journalctl -u kubelet", R),
    ("chroot /host rm -rf /var/lib/etcd", D),
    ("chroot /host", M),
    ("chef-client --why-run", R),
    ("chef-client", M),
    ("puppet agent --test --noop", R),
    ("ssh node-1 'sudo chef-client -W'", R),
    ("ssh bastion 'kubectl delete pod x --dry-run=server'", R),
    // dry runs
    ("kubectl apply -f x.yaml --dry-run=server", R),
    ("kubectl delete pod x --dry-run=client", R),
    ("kubectl delete pod x --dry-run=none", D),
    ("helm upgrade web chart/ --dry-run", R),
    ("rsync -a --delete --dry-run src/ dst/", R),
    // sessions and debugging
    (
        "kubectl exec -it -n x $(kubectl get po -n x -o name | head -1)",
        M,
    ),
    ("kubectl exec -n x web-0", M),
    ("kubectl exec -it web-0 --", M),
    ("kubectl debug node/worker-2 -it --image=busybox", M),
    ("kubectl debug -it web-0 --image=busybox --target=app", M),
    (
        "kubectl debug node/worker-2 -it --image=busybox -- chroot /host rm -rf /x",
        D,
    ),
    ("kubectl rsh web-0", M),
    ("kubectl rsh web-0 ls /data", R),
    ("oc get pods -n x", R),
    ("oc delete pod x", D),
    ("oc rsh web-0", M),
    // etcd
    ("etcdctl version", R),
    (
        "etcdctl --endpoints=https://127.0.0.1:2379 endpoint status -w table",
        R,
    ),
    ("etcdctl endpoint health --cluster", R),
    ("etcdctl member list", R),
    ("etcdctl get /registry --prefix --keys-only", R),
    ("etcdctl defrag --cluster", M),
    ("etcdctl put /k v", M),
    ("etcdctl alarm disarm", M),
    ("etcdctl snapshot save /backup/etcd.db", M),
    ("etcdctl compact 1234", D),
    ("etcdctl del /k", D),
    ("etcdctl member remove 8e9e05c52164694d", D),
    (
        "etcdctl snapshot restore /backup/etcd.db --data-dir /var/lib/etcd-new",
        D,
    ),
    // logs, Prometheus and Alertmanager
    ("journalctl -u kubelet -n 100 --no-pager", R),
    ("journalctl --vacuum-size=2G", D),
    ("journalctl --rotate", M),
    ("promtool check config prometheus.yml", R),
    ("promtool query instant http://127.0.0.1:9090 up", R),
    (
        "promtool tsdb create-blocks-from openmetrics in.txt out/",
        M,
    ),
    ("amtool alert query", R),
    ("amtool silence", R),
    ("amtool silence query alertname=X", R),
    (
        "amtool silence add alertname=X --duration=1h --comment=maint",
        M,
    ),
    ("amtool silence expire 1234", M),
    ("amtool check-config alertmanager.yml", R),
    // helm and terraform
    ("helm status web -n x", R),
    ("helm history web", R),
    ("helm get values web", R),
    ("helm rollback web 3", M),
    ("helm upgrade web chart/ -n x", M),
    ("helm install web chart/", M),
    ("terraform plan", R),
    ("terraform plan -destroy", R),
    ("terraform show", R),
    ("terraform state list", R),
    ("terraform fmt -check", R),
    ("terraform apply plan.tfplan", M),
    ("terraform apply -destroy", D),
    ("terraform destroy -target=module.x", D),
    ("terraform state rm module.x", D),
    // unknown commands
    ("./scripts/validate_deployment.sh", M),
    ("frobnicate --all", M),
    ("python -c \"print(1)\"", M),
];

#[test]
fn table_of_commands_has_expected_risks() {
    let rules = Rules::builtin();
    assert!(TABLE.len() >= 150, "table has {} commands", TABLE.len());
    let mut failures = Vec::new();
    for (command, expected) in TABLE {
        let verdict = classify(&rules, command);
        assert!(!verdict.reason.is_empty(), "no reason for {command}");
        if verdict.risk != *expected {
            failures.push(format!(
                "{command}\n    expected {expected}, got {} ({})",
                verdict.risk, verdict.reason
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} misclassified:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn reasons_name_what_decided() {
    let rules = Rules::builtin();
    let find = classify(
        &rules,
        "kubectl exec -it deploy/x -- find /app/temp -type f -mtime +1 -delete",
    );
    assert_eq!(
        find.reason,
        "find -delete deletes every file it matches (run via kubectl exec)"
    );
    let eval = classify(&rules, "redis-cli eval \"redis.call('del', 'k')\" 0");
    assert!(
        eval.reason
            .starts_with("EVAL runs a Lua script that calls DEL"),
        "{}",
        eval.reason
    );
    let unknown = classify(&rules, "frobnicate --all");
    assert_eq!(
        unknown.reason,
        "unknown command `frobnicate`: treated as mutating"
    );
    assert_eq!(unknown.unknown, vec!["frobnicate".to_string()]);
    let chain = classify(&rules, "kubectl get pods && kubectl delete pod web-1");
    assert!(
        chain.reason.starts_with("kubectl delete pod"),
        "{}",
        chain.reason
    );
}

#[test]
fn warnings_flag_secrets_and_blocking_commands() {
    let rules = Rules::builtin();
    let secret = classify(&rules, "kubectl get secret x -o yaml");
    assert_eq!(secret.risk, Risk::ReadOnly);
    assert!(
        secret
            .warnings
            .iter()
            .any(|w| w.starts_with("exposes secrets")),
        "{secret:?}"
    );
    let names_only = classify(&rules, "kubectl get secrets");
    assert!(names_only.warnings.is_empty(), "{names_only:?}");
    let keys = classify(&rules, "redis-cli keys '*'");
    assert!(
        keys.warnings.iter().any(|w| w.contains("blocks Redis")),
        "{keys:?}"
    );
    let env = classify(&rules, "docker exec api env");
    assert!(
        env.warnings.iter().any(|w| w.contains("passwords")),
        "{env:?}"
    );
}

#[test]
fn sql_statements_are_classified_by_keyword() {
    let rules = Rules::builtin();
    let cases = [
        ("SELECT count(*) FROM pg_stat_activity;", R),
        (
            "SELECT * FROM pg_stat_activity WHERE state = 'active' AND wait_event IS NOT NULL;",
            R,
        ),
        ("-- comment\nSELECT 1;", R),
        ("VACUUM FULL;", M),
        ("UPDATE users SET admin = true;", D),
        (
            "WITH old AS (DELETE FROM t RETURNING *) SELECT count(*) FROM old;",
            D,
        ),
        ("ALTER TABLE t DROP COLUMN c;", D),
        ("ALTER TABLE t ADD COLUMN c int;", M),
        ("SELECT 1; DROP TABLE t;", D),
        ("SELECT 'DROP TABLE t';", R),
    ];
    for (sql, expected) in cases {
        assert_eq!(classify_sql(&rules, sql).risk, expected, "{sql}");
    }
}

#[test]
fn user_rules_extend_and_override_builtins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("risk_rules.toml");
    std::fs::write(
        &path,
        r#"
[[rules]]
program = "validate_deployment.sh"
risk = "read-only"
reason = "our validation script only reads"

[[rules]]
program = "kubectl"
words = "cordon|uncordon"
risk = "destructive"
reason = "we treat cordoning as destructive"
"#,
    )
    .unwrap();
    let rules = Rules::with_user_file(&path).unwrap();
    let script = classify(&rules, "./scripts/validate_deployment.sh");
    assert_eq!(
        (script.risk, script.reason.as_str()),
        (R, "our validation script only reads")
    );
    assert_eq!(classify(&rules, "kubectl cordon n1").risk, D);
    // Built-ins are still there.
    assert_eq!(classify(&rules, "kubectl delete pod x").risk, D);
    assert_eq!(classify(&rules, "kubectl get pods").risk, R);
}

#[test]
fn bad_user_rules_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("risk_rules.toml");
    std::fs::write(
        &path,
        "[[rules]]\nprogram = \"x\"\nrisk = \"dangerous\"\nreason = \"r\"\n",
    )
    .unwrap();
    let err = Rules::with_user_file(&path).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{}:3: invalid risk rules:", path.display())),
        "{err}"
    );
    assert!(err.contains("dangerous"), "{err}");

    std::fs::write(
        &path,
        "\n\n[[rules]]\nprogram = \"x\"\nrisk = \"mutating\"\n",
    )
    .unwrap();
    let err = Rules::with_user_file(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}:3: invalid risk rules: rule for `x` sets a risk without a `reason`; say why in words",
            path.display()
        )
    );

    let missing = dir.path().join("nope.toml");
    let err = Rules::with_user_file(&missing).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("cannot read risk rules {}:", missing.display())),
        "{err}"
    );
}

#[test]
fn placeholders_are_found_and_typed() {
    let found = |cmd: &str| -> Vec<(String, PlaceholderKind)> {
        placeholders::find(cmd)
            .into_iter()
            .map(|p| (p.name, p.kind))
            .collect()
    };
    use PlaceholderKind::*;
    assert_eq!(
        found("kubectl logs -n rag7 POD_NAME --tail=100"),
        vec![("POD_NAME".into(), Pod)]
    );
    assert_eq!(
        found("kubectl delete pod <pod-name>"),
        vec![("pod-name".into(), Pod)]
    );
    assert_eq!(
        found("iptables -A INPUT -s <malicious_ip> -j DROP"),
        vec![("malicious_ip".into(), Host)]
    );
    assert_eq!(
        found("docker logs <container>"),
        vec![("container".into(), Container)]
    );
    assert_eq!(
        found("curl http://API_ENDPOINT/health"),
        vec![("API_ENDPOINT".into(), Host)]
    );
    assert_eq!(
        found("curl -s -f http://your-domain/_stcore/health"),
        vec![("your-domain".into(), Host)]
    );
    assert_eq!(
        found("redis-cli -a $REDIS_PASSWORD ping"),
        vec![("REDIS_PASSWORD".into(), Secret)]
    );
    assert_eq!(
        found("curl -H \"Api-Key: ${PINECONE_API_KEY}\" x"),
        vec![("PINECONE_API_KEY".into(), Secret)]
    );
    assert_eq!(
        found("python -c \"connect('postgresql://langgraph:PASSWORD@postgres/db')\""),
        vec![("PASSWORD".into(), Secret)]
    );
    assert_eq!(
        found("kubectl apply -f rag7_backup_YYYYMMDD.yaml"),
        vec![("YYYYMMDD".into(), Text)]
    );
    assert_eq!(
        found("kubectl scale deploy/x --replicas=REPLICA_COUNT"),
        vec![("REPLICA_COUNT".into(), Number)]
    );
    assert_eq!(
        found("kubectl get pods -n NAMESPACE_NAME"),
        vec![("NAMESPACE_NAME".into(), Namespace)]
    );
    // Not placeholders: common variables, command substitutions, defined names,
    // single-quoted text, quoted patterns and assignments.
    assert!(found("echo $HOME $(date +%Y) $PATH").is_empty());
    assert!(found("for service in a b; do up $service; done").is_empty());
    assert!(found("BACKUP_DATE=$(date); gzip /b/p_$BACKUP_DATE.sql").is_empty());
    assert!(found("awk '{print $5}' | grep \"RATE_LIMIT\" | grep ERROR").is_empty());
    assert!(found("export MEMORY_CACHE_SIZE=500").is_empty());
    assert!(found("psql -c \"SELECT 1\"").is_empty());
    // Template notation, anywhere in a word; Go templates of the command are not.
    assert_eq!(
        found("kubectl -n {{namespace}} logs {{ pod }} > /tmp/{{pod}}.log"),
        vec![
            ("namespace".into(), Namespace),
            ("pod".into(), Pod),
            ("pod".into(), Pod)
        ]
    );
    assert_eq!(
        found("kubectl debug node/$NODE -it --image=busybox"),
        vec![("NODE".into(), Host)]
    );
    assert!(found("docker inspect -f '{{.State.Status}}' db").is_empty());
    assert!(found("kubectl get po -o go-template='{{range .items}}{{end}}'").is_empty());
    assert!(found("helm template x --set a={{ .Values.b }}").is_empty());
}

#[test]
fn substitution_quotes_values_as_one_argument() {
    let values = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let out = placeholders::substitute(
        "kubectl logs -n rag7 POD_NAME --tail=100",
        &values(&[("POD_NAME", "x; rm -rf /")]),
    );
    assert_eq!(out, "kubectl logs -n rag7 'x; rm -rf /' --tail=100");
    let words = shlex::split(&out).unwrap();
    assert_eq!(words[4], "x; rm -rf /");

    let out = placeholders::substitute(
        "kubectl delete pod <pod-name>",
        &values(&[("pod-name", "web-1")]),
    );
    assert_eq!(out, "kubectl delete pod 'web-1'");

    let out = placeholders::substitute(
        "curl -H \"Api-Key: $KEY\" http://x",
        &values(&[("KEY", "a\"b $(reboot)")]),
    );
    assert_eq!(shlex::split(&out).unwrap()[2], "Api-Key: a\"b $(reboot)");

    let out = placeholders::substitute(
        "python -c 'connect(\"postgresql://u:PASSWORD@h/db\")'",
        &values(&[("PASSWORD", "p'w; x")]),
    );
    assert_eq!(
        shlex::split(&out).unwrap()[2],
        "connect(\"postgresql://u:p'w; x@h/db\")"
    );

    // Unknown names are left as written.
    let out = placeholders::substitute("kubectl logs POD_NAME", &values(&[("OTHER", "x")]));
    assert_eq!(out, "kubectl logs POD_NAME");
}

#[test]
fn values_are_validated_against_their_kind() {
    use PlaceholderKind::*;
    assert!(placeholders::validate(Pod, "langgraph-7d9f-abcde").is_ok());
    assert!(placeholders::validate(Pod, "Bad_Name").is_err());
    assert!(placeholders::validate(Namespace, "rag7").is_ok());
    assert!(placeholders::validate(Namespace, &"a".repeat(64)).is_err());
    assert!(placeholders::validate(Namespace, "-rag7").is_err());
    assert!(placeholders::validate(Service, "x; rm -rf /").is_err());
    assert!(placeholders::validate(Deployment, "api.v2").is_ok());
    assert!(placeholders::validate(Container, "api").is_ok());
    assert!(placeholders::validate(Url, "https://example.com/health").is_ok());
    assert!(placeholders::validate(Url, "example.com").is_err());
    assert!(placeholders::validate(Host, "10.0.0.1").is_ok());
    assert!(placeholders::validate(Host, "api.example.com:8443").is_ok());
    assert!(placeholders::validate(Host, "bad host").is_err());
    assert!(placeholders::validate(Number, "5").is_ok());
    assert!(placeholders::validate(Number, "five").is_err());
    assert!(placeholders::validate(Secret, "s3cr3t").is_ok());
    assert!(placeholders::validate(Text, "").is_err());
    assert!(placeholders::validate(Text, "two\nlines").is_err());
    let message = placeholders::validate(Namespace, "Rag_7").unwrap_err();
    assert!(message.contains("RFC 1123"), "{message}");
}

#[test]
fn commands_that_need_the_terminal_say_how() {
    use opsdeck::runbook::Interactive;
    let rules = Rules::builtin();
    let cases = [
        ("kubectl edit cm x", Some(Interactive::Editor)),
        ("sudo vi /etc/hosts", Some(Interactive::Editor)),
        ("crontab -e", Some(Interactive::Editor)),
        ("kubectl exec -it web-0 -- bash", Some(Interactive::Session)),
        ("kubectl exec -it web-0", Some(Interactive::Session)),
        (
            "kubectl debug node/n -it --image=busybox",
            Some(Interactive::Session),
        ),
        ("docker exec -it db psql -U app", Some(Interactive::Sql)),
        ("ssh host", Some(Interactive::Session)),
        ("top", Some(Interactive::Terminal)),
        ("kubectl exec web-0 -- ls", None),
        ("psql -c 'SELECT 1'", None),
        ("ssh host uptime", None),
        ("kubectl debug node/n --image=busybox", None),
    ];
    for (command, expected) in cases {
        assert_eq!(classify(&rules, command).interactive, expected, "{command}");
    }
    let debug = classify(&rules, "kubectl debug node/n -it --image=busybox");
    assert_eq!(
        debug.reason,
        "kubectl debug node/… creates a privileged pod on the node, with the host's filesystem at /host, then attaches an interactive shell to it; what is typed there is not checked"
    );
}
