using Amazon.CDK;
using ExportConstructs.Infra;

var app = new App();
new SampleStack(app, "ExportConstructsSample", new StackProps
{
    Description = "ExportConstructs sample: an AMI exported to S3 and an AppStream image exported to an AMI.",
});
app.Synth();
