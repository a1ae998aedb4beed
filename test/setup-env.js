// Quiet, offline defaults for every test process (see ../shared/stack-notes.md).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL || 'SILENT';
process.env.AWS_REGION = process.env.AWS_REGION || 'us-east-1';
// Metrics go to CloudWatch through log lines on AWS; here they would only be noise.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
