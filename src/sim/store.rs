//! The object store behind the API: JSON objects by resource, namespace and
//! name, a resourceVersion counter, and a bounded change history for watches.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde_json::Value;

/// How many changes a watch can resume from; older versions answer 410 Gone.
const HISTORY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub resource: &'static str,
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Change {
    pub rv: u64,
    pub kind: ChangeKind,
    pub resource: &'static str,
    pub object: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

#[derive(Debug, Default)]
pub struct Store {
    objects: BTreeMap<Key, Value>,
    rv: u64,
    history: VecDeque<Change>,
    /// Changes at or below this version are no longer in `history`.
    compacted: u64,
    /// Bumped by [`Store::compact`]; running watches end with 410 when it moves.
    pub epoch: u64,
    /// Objects by the uid of each owner in their `ownerReferences`, so that
    /// controllers find a replica set's pods without scanning every pod.
    owned: HashMap<String, BTreeSet<Key>>,
}

fn owner_uids(obj: &Value) -> impl Iterator<Item = &str> {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uid"].as_str())
}

fn key_of(resource: &'static str, obj: &Value) -> Key {
    let meta = &obj["metadata"];
    Key {
        resource,
        namespace: meta["namespace"].as_str().unwrap_or_default().to_string(),
        name: meta["name"].as_str().unwrap_or_default().to_string(),
    }
}

impl Store {
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    pub fn get(&self, resource: &'static str, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.get(&Key {
            resource,
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }

    /// Objects of one resource, optionally in one namespace, in name order.
    pub fn list(&self, resource: &'static str, namespace: Option<&str>) -> Vec<&Value> {
        self.iter(resource, namespace).collect()
    }

    /// Like [`Store::list`] without collecting: a range of the ordered map, so
    /// its cost follows the size of the answer, not of the store.
    pub fn iter<'a>(
        &'a self,
        resource: &'static str,
        namespace: Option<&str>,
    ) -> impl Iterator<Item = &'a Value> + use<'a> {
        let namespace = namespace.map(str::to_string);
        let start = Key {
            resource,
            namespace: namespace.clone().unwrap_or_default(),
            name: String::new(),
        };
        self.objects
            .range(start..)
            .take_while(move |(k, _)| {
                k.resource == resource && namespace.as_ref().is_none_or(|ns| k.namespace == *ns)
            })
            .map(|(_, v)| v)
    }

    /// Objects of `resource` that name `owner_uid` in their `ownerReferences`.
    pub fn owned_by(&self, resource: &'static str, owner_uid: &str) -> Vec<&Value> {
        self.owned
            .get(owner_uid)
            .into_iter()
            .flatten()
            .filter(|k| k.resource == resource)
            .filter_map(|k| self.objects.get(k))
            .collect()
    }

    fn index_owners(&mut self, key: &Key, old: Option<&Value>, new: Option<&Value>) {
        let before: Vec<String> = old
            .map(|o| owner_uids(o).map(str::to_string).collect())
            .unwrap_or_default();
        let after: Vec<String> = new
            .map(|o| owner_uids(o).map(str::to_string).collect())
            .unwrap_or_default();
        if before == after {
            return;
        }
        for uid in &before {
            if let Some(set) = self.owned.get_mut(uid) {
                set.remove(key);
                if set.is_empty() {
                    self.owned.remove(uid);
                }
            }
        }
        for uid in after {
            self.owned.entry(uid).or_default().insert(key.clone());
        }
    }

    /// Removes every object of `resource` without recording changes; only for
    /// building a scenario's starting state, before anyone watches.
    pub fn clear(&mut self, resource: &'static str) {
        let keys: Vec<Key> = self
            .objects
            .keys()
            .filter(|k| k.resource == resource)
            .cloned()
            .collect();
        for k in keys {
            let old = self.objects.remove(&k);
            self.index_owners(&k, old.as_ref(), None);
        }
    }

    /// Inserts or replaces; stamps a new resourceVersion. Returns the stored object.
    /// An unchanged object is not rewritten, so idle controllers produce no watch traffic.
    pub fn put(&mut self, resource: &'static str, mut obj: Value) -> Value {
        let key = key_of(resource, &obj);
        let existing = self.objects.get(&key);
        if let Some(old) = existing {
            // Compare with the stored version stamped in, without cloning the old object.
            obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
            if *old == obj {
                return old.clone();
            }
        }
        let kind = if existing.is_some() {
            ChangeKind::Modified
        } else {
            ChangeKind::Added
        };
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
        let old = self.objects.insert(key.clone(), obj.clone());
        self.index_owners(&key, old.as_ref(), Some(&obj));
        self.record(kind, resource, obj.clone());
        obj
    }

    pub fn delete(&mut self, resource: &'static str, namespace: &str, name: &str) -> Option<Value> {
        let key = Key {
            resource,
            namespace: namespace.to_string(),
            name: name.to_string(),
        };
        let mut obj = self.objects.remove(&key)?;
        self.index_owners(&key, Some(&obj), None);
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
        self.record(ChangeKind::Deleted, resource, obj.clone());
        Some(obj)
    }

    fn record(&mut self, kind: ChangeKind, resource: &'static str, object: Value) {
        self.history.push_back(Change {
            rv: self.rv,
            kind,
            resource,
            object,
        });
        while self.history.len() > HISTORY {
            if let Some(c) = self.history.pop_front() {
                self.compacted = c.rv;
            }
        }
    }

    /// Changes after `rv`, or `None` when `rv` is too old (compacted) or from
    /// the future (a previous run of the server): the client must relist.
    pub fn changes_since(&self, rv: u64) -> Option<impl Iterator<Item = &Change>> {
        if rv < self.compacted || rv > self.rv {
            return None;
        }
        // The history is in version order: skip to the first newer change.
        let first = self.history.partition_point(|c| c.rv <= rv);
        Some(self.history.range(first..))
    }

    /// Forgets the whole history, as etcd compaction does: every watch must relist.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted = self.rv;
        self.epoch += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(name: &str, v: i64) -> Value {
        json!({"metadata": {"name": name, "namespace": "ns"}, "spec": {"v": v}})
    }

    #[test]
    fn unchanged_put_does_not_bump_the_version() {
        let mut s = Store::default();
        s.put("pods", obj("a", 1));
        let rv = s.resource_version();
        s.put("pods", obj("a", 1));
        assert_eq!(s.resource_version(), rv);
        s.put("pods", obj("a", 2));
        assert_eq!(s.resource_version(), rv + 1);
    }

    #[test]
    fn compaction_makes_old_versions_gone() {
        let mut s = Store::default();
        s.put("pods", obj("a", 1));
        s.put("pods", obj("b", 1));
        assert_eq!(s.changes_since(1).map(|c| c.count()), Some(1));
        s.compact();
        assert!(s.changes_since(1).is_none());
        assert_eq!(s.changes_since(2).map(|c| c.count()), Some(0));
        assert!(s.changes_since(99).is_none());
    }
}
