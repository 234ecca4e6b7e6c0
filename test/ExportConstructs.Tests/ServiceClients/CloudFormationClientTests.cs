using Amazon.CloudFormation;
using Amazon.Runtime;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.ServiceClients;

/// <summary>The hand-written CloudFormation client reading a DescribeStacks answer as CloudFormation writes it.</summary>
public sealed class CloudFormationClientTests
{
    // Shaped like CloudFormation's answer (2010-05-15): outputs, tags and parameters are lists of <member>.
    private const string Answer = """
        <DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
          <DescribeStacksResult>
            <Stacks>
              <member>
                <StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/Live/0f1e2d3c</StackId>
                <StackName>Live</StackName>
                <Description>A stack</Description>
                <Parameters><member><ParameterKey>BootstrapVersion</ParameterKey><ParameterValue>/cdk-bootstrap/hnb659fds/version</ParameterValue></member></Parameters>
                <Tags><member><Key>team</Key><Value>exports</Value></member></Tags>
                <StackStatus>UPDATE_ROLLBACK_COMPLETE</StackStatus>
                <StackStatusReason>The following resource(s) failed to create: [NeverSignalled].</StackStatusReason>
                <Outputs>
                  <member><OutputKey>ExportImageTaskId</OutputKey><OutputValue>export-ami-1234567890abcdef0</OutputValue></member>
                  <member><Description>Empty until it finishes</Description><OutputKey>AmiId</OutputKey><OutputValue/></member>
                  <member><OutputKey>S3Key</OutputKey><OutputValue>exports/export-ami-1234567890abcdef0.vmdk</OutputValue></member>
                </Outputs>
              </member>
            </Stacks>
          </DescribeStacksResult>
          <ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata>
        </DescribeStacksResponse>
        """;

    [Fact]
    public async Task DescribeStacks_ShouldReadStatusReasonAndEveryOutputIncludingAnEmptyOne()
    {
        await using var server = new LoopbackServer(_ => new Reply(200, Answer));
        using var client = new AmazonCloudFormationClient(new BasicAWSCredentials("AKIDEXAMPLE", "secret"),
            new AmazonCloudFormationConfig { ServiceURL = server.Url.ToString(), AuthenticationRegion = "eu-west-1" });

        var stack = Assert.Single((await client.DescribeStacksAsync(new DescribeStacksRequest { StackName = "Live" })).Stacks);

        Assert.Equal(("arn:aws:cloudformation:eu-west-1:123456789012:stack/Live/0f1e2d3c", "UPDATE_ROLLBACK_COMPLETE"), (stack.StackId, stack.StackStatus));
        Assert.Equal("The following resource(s) failed to create: [NeverSignalled].", stack.StackStatusReason);
        Assert.Equal(
            [("ExportImageTaskId", "export-ami-1234567890abcdef0", null), ("AmiId", "", "Empty until it finishes"), ("S3Key", "exports/export-ami-1234567890abcdef0.vmdk", null)],
            stack.Outputs.Select(o => (o.OutputKey, o.OutputValue, o.Description)));
        var request = Assert.Single(server.Requests);
        Assert.Contains("Action=DescribeStacks", request.Body);
    }
}
