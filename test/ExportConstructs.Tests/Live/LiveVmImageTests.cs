using Amazon.EC2.Model;
using ExportConstructs.Contract;
using ExportConstructs.LiveApp;
using Xunit.Abstractions;

namespace ExportConstructs.Tests.Live;

/// <summary>
/// The deployment tests' VM export cases against a real account instead of the CloudFormation
/// emulation: the live app (test/ExportConstructs.LiveApp) deployed with the CDK CLI, one short-path
/// export (Timeout 50 minutes) under DESTROY, taken through create, replace, a rolled-back replace
/// and delete. Opt-in and slow (three exports of a small AMI, typically one to two hours); see
/// README, "Checking against a real account".
/// </summary>
public sealed class LiveVmImageTests(ITestOutputHelper output)
{
    [LiveFact]
    public async Task ShortVmExport_CreateReplaceRollbackDelete_ShouldMatchTheEmulationAndLeaveNothingBehind()
    {
        var settings = LiveSettings.FromEnvironment().Settings!;
        using var aws = new LiveAccount(settings);
        var run = new Lifecycle(settings, aws, new LiveCdk(settings, output), output);
        await run.BeforeAsync();
        try
        {
            var created = await run.CreateAsync();
            var replaced = await run.ReplaceAsync(created);
            await run.RollbackAsync(created, replaced);
            await run.DeleteAsync(replaced);
        }
        catch (Exception failure)
        {
            if (await run.CleanUpAsync() is { } left) throw new AggregateException(failure, new InvalidOperationException("Clean-up after the failure: " + left));
            throw;
        }
    }

    /// <summary>The export the stack holds, as its outputs say.</summary>
    private sealed record Held(string StackId, string TaskId, string Key, string LogicalId);

    private sealed class Lifecycle(LiveSettings s, LiveAccount aws, LiveCdk cdk, ITestOutputHelper output)
    {
        /// <summary>A deploy waits for one export at most its Timeout; the rest is CloudFormation, the Provider and a rollback.</summary>
        private static readonly TimeSpan DeployLimit = LiveStack.ExportTimeout + TimeSpan.FromMinutes(35);
        private static readonly TimeSpan DestroyLimit = TimeSpan.FromMinutes(60);
        /// <summary>How long EC2 may take to show a cancelled task as ended.</summary>
        private static readonly TimeSpan Settle = TimeSpan.FromMinutes(10);
        private static readonly TimeSpan Every = TimeSpan.FromSeconds(20);

        private string? _stackId;

        public async Task BeforeAsync()
        {
            Amazon.CloudFormation.Stack? existing;
            try { existing = await aws.StackAsync(s.StackName); }
            catch (Exception e) when (e is Amazon.Runtime.AmazonClientException)
            {
                throw new InvalidOperationException($"Before: DescribeStacks in {s.Region} failed ({e.Message}); the suite takes credentials from the standard chain (AWS_PROFILE, AWS_ACCESS_KEY_ID…).", e);
            }
            Check(existing is null, $"Before: stack {s.StackName} exists ({existing?.StackStatus}), left by an earlier run: delete it (README, \"Checking against a real account\") or set {LiveSettings.StackNameVariable}.");
            var keys = await aws.KeysUnderPrefixAsync();
            Check(keys.Count == 0, $"Before: s3://{s.BucketName}/{s.Prefix} holds {string.Join(", ", keys)} from an earlier run; remove them first.");
        }

        /// <summary>Create: the task completes, its file is at the S3Key output, the owner tags are on the task.</summary>
        public async Task<Held> CreateAsync()
        {
            var run = await cdk.DeployAsync(s.ImageId, fail: false, DeployLimit);
            Succeeded("Create", run);
            var held = await HeldAsync("Create", "CREATE_COMPLETE", run);
            await ExportAsync("Create", held, s.ImageId);
            await FilesAsync("Create", [held.Key]);
            return held;
        }

        /// <summary>Replace (a new ImageId): a new task, which replaces the old; the old file is gone after the cleanup phase (DESTROY).</summary>
        public async Task<Held> ReplaceAsync(Held created)
        {
            var run = await cdk.DeployAsync(s.OtherImageId, fail: false, DeployLimit);
            Succeeded("Replace", run);
            var held = await HeldAsync("Replace", "UPDATE_COMPLETE", run);
            Check(held.TaskId != created.TaskId, $"Replace: the stack still holds {created.TaskId}.\n{run.Describe()}");
            var task = await ExportAsync("Replace", held, s.OtherImageId);
            Check(LiveAccount.TagOf(task, Tagging.ReplacesTag) == created.TaskId, $"Replace: {Tagging.ReplacesTag} of {held.TaskId} is '{LiveAccount.TagOf(task, Tagging.ReplacesTag)}', expected {created.TaskId}.");
            await FilesAsync("Replace", [held.Key]);
            await NothingRunningAsync("Replace");
            return held;
        }

        /// <summary>
        /// Rollback: a replacing update whose later resource fails. The stack ends in
        /// UPDATE_ROLLBACK_COMPLETE holding the replaced export again, the export the update started
        /// is cancelled or its file removed, and nothing tagged with the stack runs.
        /// </summary>
        public async Task RollbackAsync(Held created, Held replaced)
        {
            var run = await cdk.DeployAsync(s.ImageId, fail: true, DeployLimit);
            Check(run.ExitCode != 0 && !run.TimedOut, $"Rollback: the update with {LiveStack.FailingResourceId} should have failed and rolled back.\n{run.Describe()}");
            var held = await HeldAsync("Rollback", "UPDATE_ROLLBACK_COMPLETE", run);
            Check((held.TaskId, held.Key) == (replaced.TaskId, replaced.Key),
                $"Rollback: the outputs say {held.TaskId} at {held.Key}, expected the export held before the update, {replaced.TaskId} at {replaced.Key}.");
            var started = (await aws.TasksOfStackAsync(held.StackId)).Where(t => t.ExportImageTaskId != created.TaskId && t.ExportImageTaskId != replaced.TaskId).ToList();
            Check(started.Count == 1 && started[0].ImageId == s.ImageId,
                $"Rollback: expected the update to have started one export of {s.ImageId} before {LiveStack.FailingResourceId} failed; found {Describe(started)}.\n{run.Describe()}");
            output.WriteLine($"Rollback: the update's export {started[0].ExportImageTaskId} ended {started[0].Status} ({started[0].StatusMessage}).");
            await NothingRunningAsync("Rollback");
            await FilesAsync("Rollback", [held.Key]);
        }

        /// <summary>Delete: the stack is gone, the file removed (DESTROY), no export tagged with the stack runs.</summary>
        public async Task DeleteAsync(Held held)
        {
            var run = await cdk.DestroyAsync(DestroyLimit);
            Succeeded("Delete", run);
            var stack = await aws.StackAsync(held.StackId);
            Check(stack is null || stack.StackStatus == "DELETE_COMPLETE", $"Delete: the stack is {stack?.StackStatus} ({stack?.StackStatusReason}).\n{run.Describe()}");
            await FilesAsync("Delete", []);
            await NothingRunningAsync("Delete");
        }

        /// <summary>After a failure: waits for a running stack operation to end, destroys the stack, and says what is left.</summary>
        public async Task<string?> CleanUpAsync()
        {
            var left = new List<string>();
            try
            {
                if (await aws.StackAsync(s.StackName) is { } stack)
                {
                    _stackId = stack.StackId;
                    await LiveAccount.EventuallyAsync($"Clean-up: the operation on {s.StackName} to end", DeployLimit, TimeSpan.FromSeconds(30),
                        async () => await aws.StackAsync(s.StackName) is { StackStatus: var status } && status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) ? status : null);
                    var run = await cdk.DestroyAsync(DestroyLimit);
                    if (run.ExitCode != 0) left.Add($"stack {s.StackName}: {run.Describe(40)}");
                }
                if (_stackId is not null)
                    foreach (var task in (await aws.TasksOfStackAsync(_stackId)).Where(t => t.Status is "active"))
                        left.Add($"export {task.ExportImageTaskId} still running (aws ec2 cancel-export-task --export-task-id {task.ExportImageTaskId})");
                foreach (var key in await aws.KeysUnderPrefixAsync()) left.Add($"file s3://{s.BucketName}/{key}");
            }
            catch (Exception e)
            {
                left.Add($"the clean-up itself failed ({e.Message}); check stack {s.StackName}, exports tagged {Tagging.StackTag} and s3://{s.BucketName}/{s.Prefix}");
            }
            return left.Count == 0 ? null : string.Join("\n", left);
        }

        private async Task<Held> HeldAsync(string phase, string status, CdkRun run)
        {
            var stack = await aws.StackAsync(s.StackName);
            Check(stack is not null, $"{phase}: stack {s.StackName} not found.\n{run.Describe()}");
            _stackId = stack!.StackId;
            Check(stack.StackStatus == status, $"{phase}: the stack is {stack.StackStatus} ({stack.StackStatusReason}), expected {status}.\n{run.Describe()}");
            string Out(string key) => stack.Outputs.FirstOrDefault(o => o.OutputKey == key)?.OutputValue
                ?? throw new InvalidOperationException($"{phase}: the stack has no output {key} (outputs: {string.Join(", ", stack.Outputs.Select(o => o.OutputKey))}).");
            var held = new Held(stack.StackId, Out(LiveStack.Outputs.ExportImageTaskId), Out(LiveStack.Outputs.S3Key), Out(LiveStack.Outputs.ExportLogicalId));
            Check(Out(LiveStack.Outputs.S3Bucket) == s.BucketName, $"{phase}: output S3Bucket is {Out(LiveStack.Outputs.S3Bucket)}, expected {s.BucketName}.");
            Check(held.Key == $"{s.Prefix}{held.TaskId}.vmdk", $"{phase}: output S3Key is {held.Key}, expected {s.Prefix}{held.TaskId}.vmdk.");
            Check(Out(LiveStack.Outputs.S3Uri) == $"s3://{s.BucketName}/{held.Key}", $"{phase}: output S3Uri is {Out(LiveStack.Outputs.S3Uri)}.");
            output.WriteLine($"{phase}: the stack holds {held.TaskId} ({held.Key}).");
            return held;
        }

        /// <summary>The held export: completed, of this image, into the bucket, with the owner tags of this stack and resource.</summary>
        private async Task<ExportImageTask> ExportAsync(string phase, Held held, string imageId)
        {
            var task = await aws.TaskAsync(held.TaskId);
            Check(task.Status == "completed" && task.ImageId == imageId && task.S3ExportLocation?.S3Bucket == s.BucketName,
                $"{phase}: {Describe([task])}, expected completed, of {imageId}, into {s.BucketName}.");
            foreach (var (key, value) in new[] { (Tagging.StackTag, held.StackId), (Tagging.LogicalIdTag, held.LogicalId) })
                Check(LiveAccount.TagOf(task, key) == value, $"{phase}: owner tag {key} of {task.ExportImageTaskId} is '{LiveAccount.TagOf(task, key)}', expected '{value}'.");
            foreach (var key in new[] { Tagging.IdentityTag, Tagging.RequestTag })
                Check(!string.IsNullOrEmpty(LiveAccount.TagOf(task, key)), $"{phase}: owner tag {key} missing on {task.ExportImageTaskId}.");
            return task;
        }

        /// <summary>Exactly these files under the stack's prefix, none of them empty.</summary>
        private async Task FilesAsync(string phase, string[] expected)
        {
            var keys = await aws.KeysUnderPrefixAsync();
            Check(keys.Order().SequenceEqual(expected.Order()),
                $"{phase}: s3://{s.BucketName}/{s.Prefix} holds [{string.Join(", ", keys)}], expected [{string.Join(", ", expected)}].");
            foreach (var key in expected)
                Check(await aws.ObjectSizeAsync(key) > 0, $"{phase}: s3://{s.BucketName}/{key} is empty.");
        }

        /// <summary>No export tagged with this stack is running or being cancelled (EC2 may take a while to show a cancel).</summary>
        private Task NothingRunningAsync(string phase) =>
            LiveAccount.EventuallyAsync($"{phase}: no export tagged with the stack running", Settle, Every, async () =>
            {
                var running = (await aws.TasksOfStackAsync(_stackId!)).Where(t => t.Status is "active" or "deleting").ToList();
                return running.Count == 0 ? null : Describe(running);
            });

        private static string Describe(IEnumerable<ExportImageTask> tasks) =>
            string.Join("; ", tasks.Select(t => $"{t.ExportImageTaskId} of {t.ImageId}: {t.Status} {t.Progress}% '{t.StatusMessage}'")) is { Length: > 0 } text ? text : "none";

        private static void Succeeded(string phase, CdkRun run) => Check(run.ExitCode == 0, $"{phase}: the CDK CLI failed.\n{run.Describe()}");

        private static void Check(bool condition, string message)
        {
            if (!condition) Assert.Fail(message);
        }
    }
}
