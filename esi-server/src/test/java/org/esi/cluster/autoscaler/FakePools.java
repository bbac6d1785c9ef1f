package org.esi.cluster.autoscaler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Pools in memory, per project, for AutoscalerGrpcTest only: groups with members and a template, a count of
 * offers still free per group, and the calls received, so a test can see what reached the pools.
 */
final class FakePools implements AutoscalerPools {
    /** A group id whose every call fails unexpectedly, with a secret in the exception's message. */
    static final String EXPLODING = "explodes";
    static final String SECRET = "password=hunter2";

    static final class FakeGroup {
        final String id;
        final String name;
        final int minSize;
        final int maxSize;
        int targetSize;
        int offersLeft;
        final List<Instance> instances = new ArrayList<>();
        final Map<String, String> memberNames = new LinkedHashMap<>();  // provider id → node name
        Template template;

        FakeGroup(String id, String name, int minSize, int maxSize, int targetSize) {
            this.id = id;
            this.name = name;
            this.minSize = minSize;
            this.maxSize = maxSize;
            this.targetSize = targetSize;
        }

        FakeGroup member(String providerId, String nodeName, State state) {
            return member(new Instance(providerId, state, null, null), nodeName);
        }

        FakeGroup member(Instance instance, String nodeName) {
            instances.add(instance);
            memberNames.put(instance.providerId(), nodeName);
            return this;
        }

        Group group() {
            return new Group(id, name, minSize, maxSize, targetSize);
        }
    }

    final Map<String, Map<String, FakeGroup>> projects = new LinkedHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();

    FakeGroup add(String project, FakeGroup g) {
        projects.computeIfAbsent(project, p -> new LinkedHashMap<>()).put(g.id, g);
        return g;
    }

    @Override
    public synchronized List<Group> groups(String projectId) {
        calls.add(projectId + " groups");
        return projects.getOrDefault(projectId, Map.of()).values().stream().map(FakeGroup::group).toList();
    }

    @Override
    public synchronized Optional<Group> groupForNode(String projectId, String providerId, String nodeName) {
        calls.add(projectId + " groupForNode " + providerId + " " + nodeName);
        var groups = projects.getOrDefault(projectId, Map.of()).values();
        return groups.stream().filter(g -> !providerId.isEmpty() && g.memberNames.containsKey(providerId)).findFirst()
                .or(() -> groups.stream().filter(g -> !nodeName.isEmpty() && g.memberNames.containsValue(nodeName)).findFirst())
                .map(FakeGroup::group);
    }

    @Override
    public synchronized Group group(String projectId, String groupId) throws Refused {
        return find(projectId, groupId).group();
    }

    @Override
    public synchronized List<Instance> instances(String projectId, String groupId) throws Refused {
        return List.copyOf(find(projectId, groupId).instances);
    }

    @Override
    public synchronized void increaseSize(String projectId, String groupId, int delta) throws Refused {
        calls.add(projectId + " increaseSize " + groupId + " " + delta);
        FakeGroup g = find(projectId, groupId);
        if (g.targetSize + delta > g.maxSize) {
            throw new Refused(Refused.Kind.OUT_OF_RANGE, "pool " + g.name + " would grow to " + (g.targetSize + delta)
                    + ", past its max_size " + g.maxSize);
        }
        if (delta > g.offersLeft) {
            throw new Refused(Refused.Kind.EXHAUSTED, "only " + g.offersLeft + " matching offers for pool " + g.name);
        }
        g.offersLeft -= delta;
        g.targetSize += delta;
    }

    @Override
    public synchronized void deleteNodes(String projectId, String groupId, List<NodeRef> nodes) throws Refused {
        calls.add(projectId + " deleteNodes " + groupId + " " + nodes);
        FakeGroup g = find(projectId, groupId);
        List<String> ids = new ArrayList<>();
        for (NodeRef n : nodes) {
            String id = g.memberNames.containsKey(n.providerId()) ? n.providerId()
                    : g.memberNames.entrySet().stream().filter(e -> e.getValue().equals(n.name())).map(Map.Entry::getKey).findFirst().orElse(null);
            if (id == null) {
                throw new Refused(Refused.Kind.NOT_FOUND, "node " + n.name() + " (" + n.providerId() + ") is not a member of pool " + g.name);
            }
            ids.add(id);
        }
        ids.forEach(g.memberNames::remove);
        g.instances.removeIf(i -> ids.contains(i.providerId()));
        g.targetSize -= ids.size();
    }

    @Override
    public synchronized void decreaseTargetSize(String projectId, String groupId, int delta) throws Refused {
        calls.add(projectId + " decreaseTargetSize " + groupId + " " + delta);
        FakeGroup g = find(projectId, groupId);
        long running = g.instances.stream().filter(i -> i.state() == State.RUNNING).count();
        if (g.targetSize + delta < running) {
            throw new Refused(Refused.Kind.OUT_OF_RANGE, "pool " + g.name + " has " + running + " running members");
        }
        g.targetSize += delta;
    }

    @Override
    public synchronized Template template(String projectId, String groupId) throws Refused {
        return find(projectId, groupId).template;
    }

    private FakeGroup find(String projectId, String groupId) throws Refused {
        if (EXPLODING.equals(groupId)) {
            throw new IllegalStateException("database unreachable, " + SECRET);
        }
        FakeGroup g = projects.getOrDefault(projectId, Map.of()).get(groupId);
        if (g == null) {
            throw new Refused(Refused.Kind.NOT_FOUND, "no pool " + groupId + " in this project");
        }
        return g;
    }
}
