using CropVision.FineTuning.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace CropVision.Tests.FineTuning;

/// <summary>LibTorch loads in the test process (the build's patched library) and trains: one SGD step on a fixed batch.</summary>
[Trait("Category", "Fast")]
public class TorchRuntimeTests
{
    [Fact]
    public void Torch_loads_and_one_SGD_step_changes_the_weights_and_lowers_the_loss()
    {
        TorchRuntime.Initialize(threads: 1);
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var model = nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3)), ("relu", nn.ReLU()), ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flat", nn.Flatten()), ("fc", nn.Linear(4, 3)));
        var images = torch.randn(8, 3, 12, 12);
        var labels = torch.tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 });
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var optimizer = torch.optim.SGD(model.parameters(), 0.1);

        var loss = nn.functional.cross_entropy(model.forward(images), labels);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();

        var after = model.parameters().ToList();
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
            Assert.False(before[i].allclose(after[i]), $"parameter {i} did not change");
        using (torch.no_grad())
        {
            float first = loss.item<float>(), second = nn.functional.cross_entropy(model.forward(images), labels).item<float>();
            Assert.True(second < first, $"loss {first} -> {second}");
        }
    }
}
