using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CropVision.Serving;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace CropVision.Tests.Deploy;

/// <summary>
/// deploy/kubernetes (issue 20): every YAML document parsed, and the invariants a cluster would only show at run time
/// checked here: the image, probes on routes the service really answers, requests set, no secret committed, ports
/// that line up, kustomizations whose files exist. The base and the overlay are also rendered with `kubectl kustomize`
/// (on every machine image of this project) and the rendered objects checked again.
/// </summary>
[Trait("Category", "Fast")]
public partial class KubernetesManifestTests(CommittedModelService service) : IClassFixture<CommittedModelService>
{
    private static string Root => Path.Combine(SharedData.RepositoryRoot, "deploy", "kubernetes");
    private const string Image = "cropvision/service";
    private static readonly string[] SecretWords = ["PASSWORD", "CONNECTIONSTRING", "APIKEY", "API_KEY", "TOKEN", "SECRET"];

    private sealed record Doc(string File, JsonObject Node)
    {
        public string Kind => (string?)Node["kind"] ?? "";
        public string Name => (string?)Node["metadata"]?["name"] ?? "";
        public override string ToString() => $"{Kind}/{Name} in {File}";
    }

    /// <summary>Every YAML document of every .yaml/.yml file under deploy/kubernetes (scalars as strings).</summary>
    private static List<Doc> Committed() =>
        [.. Directory.EnumerateFiles(Root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .SelectMany(f => Parse(File.ReadAllText(f)).Select(n => new Doc(Path.GetRelativePath(Root, f), n)))];

    private static List<JsonObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonObject>()];
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, ToJson(kv.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(ToJson)]),
        YamlScalarNode { Value: var v } => v is null ? null : JsonValue.Create(v),
        _ => null,
    };

    private static IEnumerable<JsonObject> Objects(JsonNode? array) => array is JsonArray a ? a.OfType<JsonObject>() : [];
    private static string Str(JsonNode? node) => node?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string)node! : node?.ToJsonString() ?? "";

    /// <summary>The pod spec of a workload: a Deployment's template, or a KServe predictor (which is one).</summary>
    private static JsonObject? PodSpec(Doc d) => d.Kind switch
    {
        "Deployment" or "StatefulSet" or "DaemonSet" => d.Node["spec"]?["template"]?["spec"] as JsonObject,
        "InferenceService" => d.Node["spec"]?["predictor"] as JsonObject,
        _ => null,
    };

    private static IEnumerable<(Doc Doc, JsonObject Pod, JsonObject Container)> Containers(IEnumerable<Doc> docs) =>
        from d in docs
        let pod = PodSpec(d)
        where pod is not null
        from c in Objects(pod["containers"]).Concat(Objects(pod["initContainers"]))
        select (d, pod, c);

    /// <summary>cropvision/service, from any registry (kustomize's newName), with or without a tag.</summary>
    private static bool IsServiceImage(string image, out string tag)
    {
        image = image.Split('@')[0];
        var colon = image.LastIndexOf(':');
        var hasTag = colon > image.LastIndexOf('/');
        tag = hasTag ? image[(colon + 1)..] : "";
        var repository = hasTag ? image[..colon] : image;
        return repository == Image || repository.EndsWith("/" + Image, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Probes => ["startupProbe", "livenessProbe", "readinessProbe"];

    [Fact]
    public void There_is_a_base_an_overlay_and_a_kserve_example()
    {
        var docs = Committed();
        Assert.Contains(docs, d => d.File == Path.Combine("base", "kustomization.yaml"));
        Assert.Contains(docs, d => d.File == Path.Combine("overlays", "province", "kustomization.yaml"));
        foreach (var kind in new[] { "Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PersistentVolumeClaim", "PodDisruptionBudget", "InferenceService" })
            Assert.Contains(docs, d => d.Kind == kind);
        var overlay = docs.Single(d => d.File == Path.Combine("overlays", "province", "kustomization.yaml"));
        Assert.Contains("../../base", ((JsonArray)overlay.Node["resources"]!).Select(Str));
    }

    [Fact]
    public void Every_file_a_kustomization_names_exists_and_secret_inputs_are_git_ignored()
    {
        var problems = new List<string>();
        foreach (var k in Committed().Where(d => Path.GetFileName(d.File) == "kustomization.yaml"))
        {
            var folder = Path.GetDirectoryName(Path.Combine(Root, k.File))!;
            var ignored = File.Exists(Path.Combine(folder, ".gitignore"))
                ? File.ReadAllLines(Path.Combine(folder, ".gitignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet()
                : [];
            var named = ((k.Node["resources"] as JsonArray) ?? []).Concat((k.Node["components"] as JsonArray) ?? []).Select(Str)
                .Concat(Objects(k.Node["patches"]).Select(p => Str(p["path"])).Where(p => p.Length > 0))
                .Concat(Objects(k.Node["configMapGenerator"]).SelectMany(g => ((g["files"] as JsonArray) ?? []).Concat((g["envs"] as JsonArray) ?? []).Select(Str)));
            foreach (var path in named)
                if (!File.Exists(Path.Combine(folder, path)) && !Directory.Exists(Path.Combine(folder, path)))
                    problems.Add($"{k.File}: '{path}' does not exist");
            // Secret inputs are made per deployment: git-ignored, with a committed example of placeholders for an env file.
            foreach (var g in Objects(k.Node["secretGenerator"]))
            {
                if (g["literals"] is JsonArray { Count: > 0 }) problems.Add($"{k.File}: secretGenerator {Str(g["name"])} has literals (a secret in git)");
                foreach (var input in ((g["files"] as JsonArray) ?? []).Concat((g["envs"] as JsonArray) ?? []).Select(Str).Select(f => f.Split('=').Last()))
                {
                    if (!ignored.Contains(input)) problems.Add($"{k.File}: secret input '{input}' is not in {Path.GetDirectoryName(k.File)}/.gitignore");
                    if (g["envs"] is JsonArray envs && envs.Select(Str).Contains(input) && !File.Exists(Path.Combine(folder, input + ".example")))
                        problems.Add($"{k.File}: '{input}' has no committed '{input}.example'");
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_container_runs_the_service_image_with_requests_probes_and_a_locked_down_context()
    {
        var containers = Containers(Committed()).ToList();
        Assert.NotEmpty(containers);
        var problems = new List<string>();
        foreach (var (doc, pod, c) in containers)
        {
            var where = $"{doc} container {Str(c["name"])}";
            if (!IsServiceImage(Str(c["image"]), out _)) problems.Add($"{where}: image '{Str(c["image"])}' is not {Image}");
            if (string.IsNullOrEmpty(Str(c["resources"]?["requests"]?["cpu"])) || string.IsNullOrEmpty(Str(c["resources"]?["requests"]?["memory"])))
                problems.Add($"{where}: no cpu and memory requests");
            foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
                if (c[probe]?["httpGet"]?["path"] is null) problems.Add($"{where}: no {probe} with httpGet");
            var ports = Objects(c["ports"]).SelectMany(p => new[] { Str(p["name"]), Str(p["containerPort"]) }).Where(s => s.Length > 0).ToHashSet();
            foreach (var probe in Probes)
                if (c[probe]?["httpGet"]?["port"] is { } port && !ports.Contains(Str(port))) problems.Add($"{where}: {probe} port {Str(port)} is not a container port");
            var sc = c["securityContext"];
            if (Str(sc?["allowPrivilegeEscalation"]) != "false") problems.Add($"{where}: allowPrivilegeEscalation is not false");
            if (Str(sc?["readOnlyRootFilesystem"]) != "true") problems.Add($"{where}: readOnlyRootFilesystem is not true");
            if (Str(sc?["runAsNonRoot"]) != "true" && Str(pod["securityContext"]?["runAsNonRoot"]) != "true") problems.Add($"{where}: runAsNonRoot is not true");
            if (!((sc?["capabilities"]?["drop"] as JsonArray) ?? []).Select(Str).Contains("ALL")) problems.Add($"{where}: capabilities do not drop ALL");
            // A read-only root: every path the service writes must be a volume (its data folder and /tmp).
            var volumes = Objects(pod["volumes"]).Select(v => Str(v["name"])).ToHashSet();
            var mounts = Objects(c["volumeMounts"]).ToList();
            foreach (var m in mounts.Where(m => !volumes.Contains(Str(m["name"])))) problems.Add($"{where}: mount {Str(m["name"])} has no volume");
            var env = Objects(c["env"]).Where(e => e["value"] is not null).ToDictionary(e => Str(e["name"]), e => Str(e["value"]));
            foreach (var path in new[] { "/tmp", env.GetValueOrDefault("Store__DataFolder", "/data") })
                if (!mounts.Any(m => Str(m["mountPath"]) == path && Str(m["readOnly"]) != "true")) problems.Add($"{where}: {path} is not a writable volume");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Every_probe_path_is_answered_200_by_the_service()
    {
        var paths = Containers(Committed()).SelectMany(x => Probes.Select(p => Str(x.Container[p]?["httpGet"]?["path"]))).Where(p => p.Length > 0).Distinct().ToList();
        Assert.Contains("/v2/health/live", paths);
        Assert.Contains("/v2/health/ready", paths);
        using var client = service.CreateClient();
        foreach (var path in paths)
            Assert.True((await client.GetAsync(path)).StatusCode == HttpStatusCode.OK, $"GET {path} (a probe in deploy/kubernetes) did not answer 200");
    }

    [Fact]
    public void No_secret_is_committed_in_plain_text()
    {
        var problems = new List<string>();
        foreach (var doc in Committed())
        {
            if (doc.Kind == "Secret" && (doc.Node["data"] is JsonObject { Count: > 0 } || doc.Node["stringData"] is JsonObject { Count: > 0 }))
                problems.Add($"{doc}: a Secret with data in git");
            foreach (var (d, _, c) in Containers([doc]))
                foreach (var e in Objects(c["env"]).Where(e => e["value"] is not null && LooksSecret(Str(e["name"]))))
                    problems.Add($"{d}: env {Str(e["name"])} has a plain value (use secretKeyRef)");
            foreach (var g in Objects(doc.Node["configMapGenerator"]))
                foreach (var literal in ((g["literals"] as JsonArray) ?? []).Select(Str).Where(l => LooksSecret(l.Split('=')[0])))
                    problems.Add($"{doc.File}: ConfigMap literal {literal.Split('=')[0]} looks like a secret");
        }
        // Whatever the structure: no password or connection string with a real value in any committed file.
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Where(Tracked))
            foreach (Match m in PlainSecret().Matches(File.ReadAllText(file)))
                if (!m.Groups["value"].Value.StartsWith('<') && m.Groups["value"].Value is not ("true" or "false")) problems.Add($"{Path.GetRelativePath(Root, file)}: '{m.Value}' (placeholders are written <like-this>)");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Files git would commit: not the overlay's git-ignored secret inputs, if a developer has made them.</summary>
    private static bool Tracked(string file)
    {
        var ignore = Path.Combine(Path.GetDirectoryName(file)!, ".gitignore");
        return !File.Exists(ignore) || !File.ReadAllLines(ignore).Select(l => l.Trim()).Contains(Path.GetFileName(file));
    }

    private static bool LooksSecret(string name) => SecretWords.Any(w => name.Replace("__", "", StringComparison.Ordinal).ToUpperInvariant().Contains(w, StringComparison.Ordinal));

    [GeneratedRegex(@"(?i)(password|pwd|apikey|api_key|token)\s*[=:]\s*(?<value>[^\s;""'|]+)")]
    private static partial Regex PlainSecret();

    [Fact]
    public void Every_setting_is_one_the_service_knows()
    {
        // Section__Key names (environment variables) must be real configuration keys: in appsettings.json or named in the docs.
        var json = new ConfigurationBuilder().AddJsonFile(Path.Combine(SharedData.RepositoryRoot, "src", "CropVision.Api", "appsettings.json")).Build();
        var known = json.AsEnumerable().Select(kv => kv.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var docs = string.Join("\n", Directory.EnumerateFiles(Path.Combine(SharedData.RepositoryRoot, "docs"), "*.md").Select(File.ReadAllText));
        var names = Committed().SelectMany(d =>
            Containers([d]).SelectMany(x => Objects(x.Container["env"]).Select(e => Str(e["name"])))
            .Concat(Objects(d.Node["configMapGenerator"]).SelectMany(g => ((g["literals"] as JsonArray) ?? []).Select(l => Str(l).Split('=')[0]))));
        var unknown = names.Where(n => n.Contains("__", StringComparison.Ordinal)).Distinct()
            .Select(n => (Env: n, Key: n.Replace("__", ":", StringComparison.Ordinal)))
            .Where(k => !known.Contains(k.Key) && !known.Contains(Regex.Replace(k.Key, ":0$", "")) && !docs.Contains(k.Key, StringComparison.Ordinal) && !docs.Contains(k.Env, StringComparison.Ordinal))
            .Select(k => k.Env).ToList();
        Assert.True(unknown.Count == 0, "settings neither in appsettings.json nor in docs/: " + string.Join(", ", unknown));
    }

    [Fact]
    public void The_queue_depth_autoscaling_uses_the_service_s_real_metric()
    {
        var component = File.ReadAllText(Path.Combine(Root, "components", "queue-depth-autoscaling", "kustomization.yaml"));
        Assert.Contains($"name: {ServingMetrics.QueueDepth.Name}", component, StringComparison.Ordinal);
        Assert.Contains(ServingMetrics.QueueDepth.Name, File.ReadAllText(Path.Combine(Root, "README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_kserve_predictor_speaks_v2_on_the_service_port()
    {
        var isvc = Committed().Single(d => d.Kind == "InferenceService");
        var c = Objects(isvc.Node["spec"]?["predictor"]?["containers"]).Single();
        Assert.Equal("kserve-container", Str(c["name"]));
        Assert.Equal("v2", Objects(c["env"]).Where(e => Str(e["name"]) == "PROTOCOL").Select(e => Str(e["value"])).Single());
        Assert.Equal("8080", Str(Objects(c["ports"]).Single()["containerPort"]));
        Assert.Contains(Objects(c["env"]), e => Str(e["name"]) == "ASPNETCORE_URLS" && Str(e["value"]).EndsWith(":8080", StringComparison.Ordinal));
    }

    /// <summary>Renders a kustomization in a copy of deploy/kubernetes, with placeholder secret inputs and the optional components on.</summary>
    private static List<Doc> Render(string kustomization, bool withComponents = false)
    {
        using var tmp = new TempFolder();
        var copy = tmp.Sub("kubernetes");
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(Root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var folder = Path.Combine(copy, kustomization);
        foreach (var g in Objects(Parse(File.ReadAllText(Path.Combine(folder, "kustomization.yaml")))[0]["secretGenerator"]))
        {
            foreach (var env in ((g["envs"] as JsonArray) ?? []).Select(Str)) File.Copy(Path.Combine(folder, env + ".example"), Path.Combine(folder, env), overwrite: true);
            foreach (var f in ((g["files"] as JsonArray) ?? []).Select(Str)) File.WriteAllText(Path.Combine(folder, f.Split('=').Last()), "placeholder");
        }
        if (withComponents)
            File.AppendAllText(Path.Combine(folder, "kustomization.yaml"),
                "\ncomponents:\n" + string.Concat(Directory.GetDirectories(Path.Combine(copy, "components")).Order().Select(c => $"  - {Path.GetRelativePath(folder, c)}\n")));
        var run = new ProcessStartInfo("kubectl", ["kustomize", folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(run)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("kubectl (with kustomize) is needed to render deploy/kubernetes; it comes with this project's machine images", e);
        }
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "kubectl kustomize did not finish in 60 s");
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {kustomization}: {error}");
        return [.. Parse(output.Result).Select(n => new Doc($"rendered {kustomization}", n))];
    }

    [KubectlTheory]
    [InlineData("base", false)]
    [InlineData("overlays/province", false)]
    [InlineData("overlays/province", true)]
    public void The_rendered_objects_fit_together(string kustomization, bool withComponents)
    {
        var docs = Render(kustomization, withComponents);
        var problems = new List<string>();
        var deployment = docs.Single(d => d.Kind == "Deployment");
        var pod = PodSpec(deployment)!;
        var podLabels = (JsonObject)deployment.Node["spec"]!["template"]!["metadata"]!["labels"]!;
        bool Selects(JsonNode? selector) => selector is JsonObject s && s.Count > 0 && s.All(kv => Str(podLabels[kv.Key]) == Str(kv.Value));
        var c = Objects(pod["containers"]).Single();
        Assert.True(IsServiceImage(Str(c["image"]), out var tag) && tag.Length > 0, $"image {Str(c["image"])}: not {Image} with a tag (kustomize's images:)");

        // Ports: Ingress -> Service port -> container port; the service listens where the container port says.
        var containerPorts = Objects(c["ports"]).ToList();
        foreach (var svc in docs.Where(d => d.Kind == "Service"))
        {
            if (!Selects(svc.Node["spec"]?["selector"])) problems.Add($"{svc}: selector does not match the pod labels");
            foreach (var p in Objects(svc.Node["spec"]?["ports"]))
                if (!containerPorts.Any(cp => Str(cp["name"]) == Str(p["targetPort"]) || Str(cp["containerPort"]) == Str(p["targetPort"])))
                    problems.Add($"{svc}: targetPort {Str(p["targetPort"])} is no container port");
        }
        foreach (var ing in docs.Where(d => d.Kind == "Ingress"))
            foreach (var backend in Objects(ing.Node["spec"]?["rules"]).SelectMany(r => Objects(r["http"]?["paths"])).Select(p => p["backend"]?["service"]))
            {
                var svc = docs.SingleOrDefault(d => d.Kind == "Service" && d.Name == Str(backend?["name"]));
                if (svc is null) { problems.Add($"{ing}: backend service {Str(backend?["name"])} does not exist"); continue; }
                var port = backend!["port"];
                if (!Objects(svc.Node["spec"]?["ports"]).Any(p => Str(p["name"]) == Str(port?["name"]) && port?["name"] is not null || Str(p["port"]) == Str(port?["number"])))
                    problems.Add($"{ing}: backend port {Str(port)} is not a port of {svc}");
            }
        var config = docs.Single(d => d.Kind == "ConfigMap" && Str(Objects(c["envFrom"]).Single()["configMapRef"]?["name"]) == d.Name);
        var urls = Str(config.Node["data"]?["ASPNETCORE_URLS"]);
        if (!containerPorts.Any(cp => urls.EndsWith(":" + Str(cp["containerPort"]), StringComparison.Ordinal)))
            problems.Add($"ASPNETCORE_URLS {urls} is not on a container port");

        // Selectors of the PDB, the topology spread and the HPA's target.
        foreach (var pdb in docs.Where(d => d.Kind == "PodDisruptionBudget"))
            if (!Selects(pdb.Node["spec"]?["selector"]?["matchLabels"])) problems.Add($"{pdb}: selector does not match the pods");
        foreach (var t in Objects(pod["topologySpreadConstraints"]))
            if (!Selects(t["labelSelector"]?["matchLabels"])) problems.Add("topology spread: selector does not match the pods");
        foreach (var hpa in docs.Where(d => d.Kind == "HorizontalPodAutoscaler"))
            if (Str(hpa.Node["spec"]?["scaleTargetRef"]?["name"]) != deployment.Name) problems.Add($"{hpa}: scales {Str(hpa.Node["spec"]?["scaleTargetRef"]?["name"])}, not the Deployment");

        // Every volume and secret reference resolves to an object here (the overlay) or is left for the overlay (the base).
        foreach (var claim in Objects(pod["volumes"]).Select(v => Str(v["persistentVolumeClaim"]?["claimName"])).Where(n => n.Length > 0))
            if (!docs.Any(d => d.Kind == "PersistentVolumeClaim" && d.Name == claim)) problems.Add($"volume claim {claim} does not exist");
        var pvc = docs.Single(d => d.Kind == "PersistentVolumeClaim");
        if (!((pvc.Node["spec"]?["accessModes"] as JsonArray) ?? []).Select(Str).Contains("ReadWriteMany")) problems.Add($"{pvc}: not ReadWriteMany");
        var secrets = docs.Where(d => d.Kind == "Secret").ToDictionary(d => d.Name, d => (JsonObject?)d.Node["data"] ?? []);
        if (kustomization != "base")
        {
            foreach (var r in Objects(c["env"]).Select(e => e["valueFrom"]?["secretKeyRef"]).OfType<JsonObject>())
                if (!secrets.TryGetValue(Str(r["name"]), out var data) || !data.ContainsKey(Str(r["key"])) && Str(r["optional"]) != "true")
                    problems.Add($"secretKeyRef {Str(r["name"])}/{Str(r["key"])} is not made by the overlay");
            foreach (var v in Objects(pod["volumes"]).Select(v => Str(v["secret"]?["secretName"])).Where(n => n.Length > 0))
                if (!secrets.ContainsKey(v)) problems.Add($"secret volume {v} is not made by the overlay");
            if (Str(pvc.Node["spec"]?["storageClassName"]).Length == 0) problems.Add($"{pvc}: no storageClassName (the default class is rarely ReadWriteMany)");
        }
        if (withComponents)
        {
            var metrics = Objects(docs.Single(d => d.Kind == "HorizontalPodAutoscaler").Node["spec"]?["metrics"]).ToList();
            Assert.Contains(metrics, m => Str(m["resource"]?["name"]) == "cpu");
            Assert.Contains(metrics, m => Str(m["pods"]?["metric"]?["name"]) == ServingMetrics.QueueDepth.Name);
            Assert.Contains(docs, d => d.Kind == "NetworkPolicy" && Selects(d.Node["spec"]?["podSelector"]?["matchLabels"]));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
