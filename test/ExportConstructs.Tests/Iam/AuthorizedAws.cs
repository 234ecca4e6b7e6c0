using System.Net;
using Amazon.AppStream;
using Amazon.AppStream.Model;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.StepFunctions;
using Amazon.StepFunctions.Model;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Tests.Iam;

/// <summary>
/// FakeAws with an authorizer and the real SDK clients on it, shared by the FakeAws authorization
/// test classes: one caller whose rights are the policies <see cref="Allow"/> attaches.
/// </summary>
internal sealed class AuthorizedAws : IAsyncDisposable
{
    public const string ImageId = "ami-0123456789abcdef0";
    public const string StackKey = "exportconstructs:stack";
    public const string TaskArns = "arn:aws:ec2:us-east-1:123456789012:export-image-task/*";
    public const string RoleArn = "arn:aws:iam::123456789012:role/vmimport";

    public AuthorizedAws()
    {
        Aws.Authorizer = Policies;
        Aws.AddImage(ImageId);
        Clients = LoopbackClients.For(Aws);
    }

    public FakeAws Aws { get; } = new();
    public HttpClient Http { get; } = new();
    public PolicyAuthorizer Policies { get; } = new();
    public AwsServices Clients { get; }
    public string Principal { get; } = LoopbackClients.Credentials.GetCredentials().AccessKey;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Aws.DisposeAsync();
    }

    /// <summary>Attaches a policy with these statements to the caller.</summary>
    public void Allow(string statementsJson) =>
        Policies.Attach(Principal, $$"""{"Version":"2012-10-17","Statement":{{statementsJson}}}""");

    public static ExportImageRequest Export(params (string Key, string Value)[] tags)
    {
        var request = new ExportImageRequest
        {
            ImageId = ImageId,
            DiskImageFormat = Amazon.EC2.DiskImageFormat.VMDK,
            S3ExportLocation = new ExportTaskS3LocationRequest { S3Bucket = "bucket", S3Prefix = "exports/" },
            RoleName = "vmimport",
        };
        if (tags.Length > 0)
            request.TagSpecifications = [new TagSpecification { ResourceType = Amazon.EC2.ResourceType.ExportImageTask, Tags = tags.Select(t => new Amazon.EC2.Model.Tag(t.Key, t.Value)).ToList() }];
        return request;
    }

    /// <summary>Every right ExportImage needs, with tags: the image, the new task, tagging it at creation, passing the role to VM Import/Export.</summary>
    public const string ExportRights = """
        [{"Effect":"Allow","Action":"ec2:ExportImage","Resource":["arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0","arn:aws:ec2:us-east-1:123456789012:export-image-task/*"]},
         {"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:us-east-1:123456789012:export-image-task/*","Condition":{"StringEquals":{"ec2:CreateAction":"ExportImage"}}},
         {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/vmimport","Condition":{"StringEquals":{"iam:PassedToService":"vmie.amazonaws.com"}}}]
        """;
}
